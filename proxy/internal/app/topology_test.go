package app

import (
	"context"
	"testing"
	"time"

	"github.com/wharfhq/wharf/proxy/internal/netnstest"
)

// nsPrefix starts the names of this package's network namespaces; the
// tests run in a node netns inside a netnstest.Topology.
const nsPrefix = "wharf-pt-app-"

// buildTopology builds the client and pod namespaces of a
// netnstest.Topology around the current (node) one and returns the
// client namespace's name.
func buildTopology(t *testing.T, tag string, pods int) string {
	return netnstest.Topology{Prefix: nsPrefix, Tag: tag, Pods: pods}.Build(t)
}

// waitFor polls f until it returns nil or the deadline passes.
func waitFor(t *testing.T, what string, f func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		err := f()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
