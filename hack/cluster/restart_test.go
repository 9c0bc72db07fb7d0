package cluster_test

import (
	"testing"

	"github.com/wharfhq/wharf/hack/cluster"
)

// TestRestartControlPlane: every control-plane component restarted one by
// one (same flags and data) comes back healthy, keeps what etcd holds, and
// the cluster still creates and schedules pods afterwards.
func TestRestartControlPlane(t *testing.T) {
	c := cluster.Start(t, cluster.Options{ControlPlanes: 1})
	requireControllers(t, c)
	ctx := testContext(t)
	cl := c.Client()
	addNodes(ctx, t, cl, "fake-1")
	createRC(ctx, t, cl, "web", 1)
	waitScheduled(ctx, t, cl, "web", 1)
	for _, bin := range []string{cluster.BinEtcd, cluster.BinAPIServer, cluster.BinScheduler, cluster.BinControllerManager} {
		if err := c.RestartComponent(ctx, "cp-1", bin); err != nil {
			t.Fatalf("restart %s: %v", bin, err)
		}
	}
	if err := c.RestartComponent(ctx, "cp-1", "no-such-binary"); err == nil {
		t.Error("restart of an unknown component: no error")
	}
	scaleRC(ctx, t, cl, "web", 3)
	waitScheduled(ctx, t, cl, "web", 3)
	if err := c.Healthy(); err != nil {
		t.Error(err)
	}
}
