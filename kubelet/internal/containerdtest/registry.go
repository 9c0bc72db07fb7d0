package containerdtest

import (
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/wharfhq/wharf/hack/images"
)

// Registry starts an in-memory OCI registry on 127.0.0.1 (plain HTTP),
// pushes the tools image to it as <host>/wharf/tools:v1 and returns host.
func Registry(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	bb, err := images.BusyboxPath()
	if err != nil {
		t.Skipf("SKIP LOUDLY: %v", err)
	}
	img, err := images.Tools(t.Context(), bb)
	if err != nil {
		t.Fatal(err)
	}
	if err := images.Push(t.Context(), host+"/wharf/tools:v1", img, true); err != nil {
		t.Fatal(err)
	}
	return host
}
