package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharfhq/wharf/apiserver/internal/etcd"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
)

// store is shared by the tests of this package: one embedded etcd.
// Each test uses its own key prefix.
var store *storage.Store

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "storage-test")
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
	store = storage.New(c)
	return m.Run()
}

// runs counts test runs so that -count=N uses fresh keys each time.
var runs atomic.Int64

// pfx returns a key prefix unique to this run of the test.
func pfx(_ *testing.T, name string) string {
	return fmt.Sprintf("/registry/%s-%d/", name, runs.Add(1))
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestCreateGetUpdateDelete(t *testing.T) {
	ctx := ctxT(t)
	key := pfx(t, "crud") + "default/a"
	rev, err := store.Create(ctx, key, []byte("v1"))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := store.Create(ctx, key, []byte("again")); !errors.Is(err, storage.ErrExists) {
		t.Fatalf("second Create: err %v, want ErrExists", err)
	}
	kv, err := store.Get(ctx, key)
	if err != nil || string(kv.Value) != "v1" || kv.ModRevision != rev || kv.Key != key {
		t.Fatalf("Get = %+v, %v; want v1 at %d", kv, err, rev)
	}
	rev2, err := store.Update(ctx, key, []byte("v2"), rev)
	if err != nil || rev2 <= rev {
		t.Fatalf("Update = %d, %v", rev2, err)
	}
	if _, err := store.Update(ctx, key, []byte("stale"), rev); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("stale Update: err %v, want ErrConflict", err)
	}
	if _, err := store.Delete(ctx, key, rev); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("stale Delete: err %v, want ErrConflict", err)
	}
	del, err := store.Delete(ctx, key, rev2)
	if err != nil || string(del.Value) != "v2" || del.ModRevision <= rev2 {
		t.Fatalf("Delete = %+v, %v; want v2 after %d", del, err, rev2)
	}
	if _, err := store.Get(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Get deleted: err %v, want ErrNotFound", err)
	}
	if _, err := store.Update(ctx, key, []byte("v3"), rev2); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Update deleted: err %v, want ErrNotFound", err)
	}
	if _, err := store.Delete(ctx, key, 0); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Delete deleted: err %v, want ErrNotFound", err)
	}
	if _, err := store.Delete(ctx, key, rev2); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Delete deleted with rev: err %v, want ErrNotFound", err)
	}
}

func TestDeleteUnconditional(t *testing.T) {
	ctx := ctxT(t)
	key := pfx(t, "uncond") + "x"
	if _, err := store.Create(ctx, key, []byte("x")); err != nil {
		t.Fatal(err)
	}
	kv, err := store.Delete(ctx, key, 0)
	if err != nil || string(kv.Value) != "x" {
		t.Fatalf("Delete(0) = %+v, %v", kv, err)
	}
	cur, err := store.CurrentRevision(ctx)
	if err != nil || cur != kv.ModRevision {
		t.Fatalf("CurrentRevision = %d, %v; want delete revision %d", cur, err, kv.ModRevision)
	}
}

func TestListPagination(t *testing.T) {
	ctx := ctxT(t)
	prefix := pfx(t, "paged")
	for i := range 25 {
		if _, err := store.Create(ctx, fmt.Sprintf("%sns/obj-%02d", prefix, i), []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	// A key sharing the prefix string but not the directory must not show.
	if _, err := store.Create(ctx, strings.TrimSuffix(prefix, "/")+"x/ns/zzz", []byte("v")); err != nil {
		t.Fatal(err)
	}
	first, err := store.List(ctx, prefix, storage.ListOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Writes after the first page must not show in later pages.
	if _, err := store.Create(ctx, prefix+"ns/obj-99", []byte("late")); err != nil {
		t.Fatal(err)
	}
	var keys []string
	res := first
	for {
		for _, kv := range res.Items {
			keys = append(keys, kv.Key)
		}
		if !res.More {
			break
		}
		res, err = store.List(ctx, prefix, storage.ListOptions{Limit: 10, StartKey: res.NextKey, Revision: first.Revision})
		if err != nil {
			t.Fatal(err)
		}
		if res.Revision != first.Revision {
			t.Fatalf("page revision %d, want %d", res.Revision, first.Revision)
		}
	}
	if len(keys) != 25 {
		t.Fatalf("got %d keys, want 25: %v", len(keys), keys)
	}
	for i, k := range keys {
		if want := fmt.Sprintf("%sns/obj-%02d", prefix, i); k != want {
			t.Fatalf("key %d = %s, want %s", i, k, want)
		}
	}
	all, err := store.List(ctx, prefix, storage.ListOptions{})
	if err != nil || len(all.Items) != 26 || all.More {
		t.Fatalf("unpaged List: %d items, more=%v, err %v", len(all.Items), all.More, err)
	}
}

func TestListBadInput(t *testing.T) {
	ctx := ctxT(t)
	for _, o := range []storage.ListOptions{{StartKey: "/registry/other/a"}, {Limit: -1}, {Revision: -2}} {
		if _, err := store.List(ctx, "/registry/bad/", o); err == nil {
			t.Errorf("List(%+v): want error", o)
		}
	}
	if _, err := store.List(ctx, "", storage.ListOptions{}); err == nil {
		t.Error("List with empty prefix: want error")
	}
}

func TestListCompacted(t *testing.T) {
	ctx := ctxT(t)
	prefix := pfx(t, "compacted")
	rev, err := store.Create(ctx, prefix+"a", []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	rev2, err := store.Create(ctx, prefix+"b", []byte("b"))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Compact(ctx, rev2); err != nil {
		t.Fatal(err)
	}
	if err := store.Compact(ctx, rev2); err != nil {
		t.Fatalf("compact twice: %v", err)
	}
	_, err = store.List(ctx, prefix, storage.ListOptions{Revision: rev})
	if !errors.Is(err, storage.ErrCompacted) {
		t.Fatalf("List at compacted revision: err %v, want ErrCompacted", err)
	}
}
