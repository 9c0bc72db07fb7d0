package app

import (
	"context"
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

func TestNodeIPAMAssignsDistinctPodCIDRs(t *testing.T) {
	c := startControllers(t, "nodeipam")
	ctx := context.Background()
	// A node that already has a CIDR keeps it and nobody else gets it.
	pre := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "pre"}, Spec: corev1.NodeSpec{PodCIDR: "10.244.1.0/24", PodCIDRs: []string{"10.244.1.0/24"}}}
	if _, err := client.Nodes(c).Create(ctx, pre, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	names := []string{"n1", "n2", "n3"}
	for _, n := range names {
		if _, err := client.Nodes(c).Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cluster := netip.MustParsePrefix("10.244.0.0/16")
	eventually(t, "distinct /24s from 10.244.0.0/16", func() (bool, error) {
		seen := map[string]string{"10.244.1.0/24": "pre"}
		for _, n := range names {
			node, err := client.Nodes(c).Get(ctx, n, metav1.GetOptions{})
			if err != nil || node.Spec.PodCIDR == "" {
				return false, err
			}
			p, err := netip.ParsePrefix(node.Spec.PodCIDR)
			if err != nil || p.Bits() != 24 || !cluster.Contains(p.Addr()) || len(node.Spec.PodCIDRs) != 1 || node.Spec.PodCIDRs[0] != node.Spec.PodCIDR {
				t.Fatalf("node %s got podCIDR %q podCIDRs %v", n, node.Spec.PodCIDR, node.Spec.PodCIDRs)
			}
			if other, dup := seen[node.Spec.PodCIDR]; dup {
				t.Fatalf("nodes %s and %s share %s", n, other, node.Spec.PodCIDR)
			}
			seen[node.Spec.PodCIDR] = n
		}
		return true, nil
	})
}
