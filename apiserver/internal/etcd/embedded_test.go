package etcd

import (
	"context"
	"log/slog"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func start(t *testing.T, dir string) *Embedded {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := StartEmbedded(ctx, EmbeddedConfig{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	return e
}

func dial(t *testing.T, e *Embedded) *clientv3.Client {
	t.Helper()
	c, err := Dial(context.Background(), e.Endpoints())
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()

	e := start(t, dir)
	c := dial(t, e)
	if _, err := c.Put(ctx, "/registry/pods/default/a", "hello"); err != nil {
		t.Fatalf("put: %v", err)
	}
	_ = c.Close()
	e.Close()

	e2 := start(t, dir)
	defer e2.Close()
	c2 := dial(t, e2)
	resp, err := c2.Get(ctx, "/registry/pods/default/a")
	if err != nil {
		t.Fatalf("get after restart: %v", err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "hello" {
		t.Fatalf("after restart got %v, want hello", resp.Kvs)
	}
}

func TestStartRequiresDataDir(t *testing.T) {
	if _, err := StartEmbedded(context.Background(), EmbeddedConfig{}); err == nil {
		t.Fatal("StartEmbedded without DataDir: want error")
	}
}

func TestBadURL(t *testing.T) {
	_, err := StartEmbedded(context.Background(), EmbeddedConfig{DataDir: t.TempDir(), ClientURL: "127.0.0.1:2379"})
	if err == nil {
		t.Fatal("StartEmbedded with URL without scheme: want error")
	}
}

func TestDialNoEndpoints(t *testing.T) {
	if _, err := Dial(context.Background(), nil); err == nil {
		t.Fatal("Dial(nil): want error")
	}
}
