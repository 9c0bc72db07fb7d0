package containerdtest

import (
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Registry starts an in-memory OCI registry on 127.0.0.1 (plain HTTP),
// pushes the tools image to it as <host>/wharf/tools:v1 and returns host.
func Registry(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	if err := wharfImages("push", host+"/wharf/tools:v1", "--insecure"); err != nil {
		t.Fatal(err)
	}
	return host
}
