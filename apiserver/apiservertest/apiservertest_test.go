package apiservertest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/wharfhq/wharf/apiserver/internal/storage"
)

func request(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestStartRestartCompact(t *testing.T) {
	s := Start(t, WithWatchCacheCapacity(100))
	kc, err := os.ReadFile(s.Kubeconfig)
	if err != nil || !strings.Contains(string(kc), "server: "+s.URL+"\n") {
		t.Fatalf("kubeconfig %v:\n%s", err, kc)
	}

	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`
	if code, b := request(t, "POST", s.URL+"/api/v1/namespaces/default/pods", pod); code != 201 {
		t.Fatalf("create pod: %d %s", code, b)
	}
	ctx := context.Background()
	rev, err := s.Revision(ctx)
	if err != nil || rev <= 1 {
		t.Fatalf("Revision = %d, %v", rev, err)
	}

	url := s.URL
	s.Restart(t)
	if s.URL != url {
		t.Fatalf("URL changed: %s → %s", url, s.URL)
	}
	code, b := request(t, "GET", s.URL+"/api/v1/namespaces/default/pods/p", "")
	if code != 200 || !strings.Contains(b, `"image":"busybox"`) {
		t.Fatalf("pod after restart: %d %s", code, b)
	}

	compacted, err := s.Compact(ctx)
	if err != nil || compacted < rev {
		t.Fatalf("Compact = %d, %v (revision was %d)", compacted, err, rev)
	}
	r, _ := s.current()
	if _, err := r.Store().List(ctx, "/registry/pods/", storage.ListOptions{Revision: rev - 1}); !errors.Is(err, storage.ErrCompacted) {
		t.Errorf("list at revision %d after compaction: %v", rev-1, err)
	}

	s.Stop()
	s.Stop()
	if _, err := s.Revision(ctx); err == nil {
		t.Error("Revision on a stopped server succeeded")
	}
}
