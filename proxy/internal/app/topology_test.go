package app

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

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

// waitFor polls f until it returns nil or 30 seconds pass.
func waitFor(t *testing.T, what string, f func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		last = f()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, last)
	}
}
