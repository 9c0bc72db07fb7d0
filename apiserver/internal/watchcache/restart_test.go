package watchcache

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/apiserver/internal/etcd"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
)

// TestSurvivesEtcdRestart restarts etcd under a running cache: its watch
// resumes where it was and watchers see the next change.
func TestSurvivesEtcdRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	e1, err := etcd.StartEmbedded(ctx, etcd.EmbeddedConfig{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	eps := e1.Endpoints()
	client, err := etcd.Dial(ctx, eps)
	if err != nil {
		e1.Close()
		t.Fatal(err)
	}
	defer client.Close()
	st := storage.New(client)
	prefix := "/registry/configmaps/"
	c, err := New(ctx, Config{Store: st, Prefix: prefix, Decode: decode})
	if err != nil {
		e1.Close()
		t.Fatal(err)
	}
	w, err := c.Watch(ctx, c.Revision(), prefix, nil)
	if err != nil {
		e1.Close()
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := st.Create(ctx, prefix+"default/a", cmValue(t, "a", nil, "a")); err != nil {
		e1.Close()
		t.Fatal(err)
	}
	if ev := next(t, w); ev.Object.GetName() != "a" {
		t.Fatalf("got %s", ev.Object.GetName())
	}
	t0 := time.Now()
	e1.Close()
	t.Logf("close took %v", time.Since(t0))
	t0 = time.Now()
	e2, err := etcd.StartEmbedded(ctx, etcd.EmbeddedConfig{DataDir: dir, ClientURL: eps[0]})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	t.Logf("restart took %v", time.Since(t0))
	t0 = time.Now()
	var rev int64
	for {
		rev, err = st.Create(ctx, prefix+"default/b", cmValue(t, "b", nil, "b"))
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("create after restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("create took %v", time.Since(t0))
	ev := next(t, w)
	if ev.Type != watch.Added || ev.Object.GetName() != "b" || ev.Revision != rev {
		t.Fatalf("after restart got %s %s @%d, want ADDED b @%d", ev.Type, ev.Object.GetName(), ev.Revision, rev)
	}
	if _, ok := c.Get(prefix + "default/b"); !ok {
		t.Fatal("cache lacks b after restart")
	}
}
