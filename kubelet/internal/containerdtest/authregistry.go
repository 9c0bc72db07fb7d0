package containerdtest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
)

// AuthRegistry starts an in-memory registry on 127.0.0.1 (plain HTTP)
// that answers only requests with HTTP basic auth user:pass (401 with a
// Basic challenge otherwise), pushes the tools image to it as
// <host>/wharf/private:v1 and returns host.
func AuthRegistry(t testing.TB, user, pass string) string {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="wharf-test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	if err := wharfImages("push", host+"/wharf/private:v1", "--insecure", "--basic-auth", user+":"+pass); err != nil {
		t.Fatalf("push to auth registry: %v", err)
	}
	return host
}
