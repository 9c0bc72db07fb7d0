package watchcache

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/etcd"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
	"github.com/wharfhq/wharf/proto/api"
)

// testStore is one embedded etcd shared by the package's tests and
// benchmarks; each test uses its own resource prefix.
var testStore *storage.Store

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "watchcache-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	e, err := etcd.StartEmbedded(ctx, etcd.EmbeddedConfig{DataDir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer e.Close()
	c, err := etcd.Dial(ctx, e.Endpoints())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	testStore = storage.New(c)
	return m.Run()
}

var configMaps = func() *api.Info {
	info, ok := api.Lookup("", "v1", "configmaps")
	if !ok {
		panic("configmaps not in catalogue")
	}
	return info
}()

// decode is the Decode every test cache uses: JSON into a ConfigMap.
func decode(kv storage.KV) (api.Object, error) {
	obj := configMaps.NewObject()
	if err := json.Unmarshal(kv.Value, obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", kv.Key, err)
	}
	obj.GetObjectKind().SetGroupVersionKind(configMaps.GVK())
	obj.SetResourceVersion(strconv.FormatInt(kv.ModRevision, 10))
	return obj, nil
}

// runs counts fixtures so that -count=N uses fresh keys each time.
var runs atomic.Int64

// fixture is one test's resource prefix and cache.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	prefix string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return &fixture{t: t, ctx: ctx, prefix: fmt.Sprintf("/registry/%s-%d/", t.Name(), runs.Add(1))}
}

func (f *fixture) config(capacity int) Config {
	return Config{Store: testStore, Prefix: f.prefix, Decode: decode, Capacity: capacity}
}

func (f *fixture) cache(capacity int) *Cache {
	f.t.Helper()
	c, err := New(f.ctx, f.config(capacity))
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	return c
}

func cmValue(t testing.TB, name string, labels map[string]string, data string) []byte {
	t.Helper()
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: labels},
		Data:       map[string]string{"d": data},
	}
	b, err := json.Marshal(cm)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) key(name string) string { return f.prefix + "default/" + name }

func (f *fixture) create(name string, labels map[string]string, data string) int64 {
	f.t.Helper()
	rev, err := testStore.Create(f.ctx, f.key(name), cmValue(f.t, name, labels, data))
	if err != nil {
		f.t.Fatalf("create %s: %v", name, err)
	}
	return rev
}

func (f *fixture) update(name string, labels map[string]string, data string, prev int64) int64 {
	f.t.Helper()
	rev, err := testStore.Update(f.ctx, f.key(name), cmValue(f.t, name, labels, data), prev)
	if err != nil {
		f.t.Fatalf("update %s: %v", name, err)
	}
	return rev
}

func (f *fixture) delete(name string) int64 {
	f.t.Helper()
	kv, err := testStore.Delete(f.ctx, f.key(name), 0)
	if err != nil {
		f.t.Fatalf("delete %s: %v", name, err)
	}
	return kv.ModRevision
}

// next receives one event or fails the test.
func next(t *testing.T, w *Watcher) Event {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		if !ok {
			t.Fatalf("watch closed: %v", w.Err())
		}
		return ev
	case <-time.After(20 * time.Second):
		t.Fatal("no event within 20s")
	}
	return Event{}
}

// closed waits for w's channel to close, discarding events, and returns
// Err.
func closed(t *testing.T, w *Watcher) error {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case _, ok := <-w.Events():
			if !ok {
				return w.Err()
			}
		case <-timeout:
			t.Fatal("watch not closed within 20s")
		}
	}
}

func rv(o api.Object) string { return o.GetResourceVersion() }

func data(o api.Object) string { return o.(*corev1.ConfigMap).Data["d"] }
