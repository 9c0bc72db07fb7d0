package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharfhq/wharf/apiserver/internal/storage"
)

// failingGets is a store whose reads fail, as etcd's do when overloaded
// ("request timed out"); writes go through.
type failingGets struct{ kvStore }

func (failingGets) Get(context.Context, string) (storage.KV, error) {
	return storage.KV{}, errors.New("etcdserver: request timed out")
}

// TestUpdateRereadFailureIsAnError: an update that starts from a stale
// watch-cache copy re-reads etcd; when that read fails the client gets
// an error status (it used to dereference the empty object and panic).
func TestUpdateRereadFailureIsAnError(t *testing.T) {
	e := newCachedEnv(t, 100)
	const path = "/api/v1/namespaces/default/configmaps/c"
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"c"},"data":{"a":"1"}}`)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(e.must(http.StatusOK, "GET", path+"?resourceVersion=0", ""), `"name":"c"`) {
		if time.Now().After(deadline) {
			t.Fatal("configmap never reached the watch cache")
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.srv.store = failingGets{e.srv.store}
	// A resourceVersion the cached copy does not have: the cached attempt
	// conflicts and the update must re-read etcd, which fails.
	code, body, _ := e.do("PUT", path, "application/json", `{"metadata":{"name":"c","resourceVersion":"999999"},"data":{"a":"2"}}`)
	if code < 500 || !strings.Contains(body, "request timed out") {
		t.Fatalf("update with a failing re-read: %d %s", code, body)
	}
}
