package e2e

import (
	"testing"

	"github.com/wharfhq/wharf/hack/cluster"
)

// TestMain removes the binaries the clusters of this package were built
// from once every test ran.
func TestMain(m *testing.M) { cluster.TestMain(m) }
