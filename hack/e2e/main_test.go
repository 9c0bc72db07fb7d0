package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/wharfhq/wharf/hack/cluster"
)

// TestMain removes the binaries the clusters of this package were built
// from once every test ran.
func TestMain(m *testing.M) {
	code := m.Run()
	if err := cluster.RemoveBinaries(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}
