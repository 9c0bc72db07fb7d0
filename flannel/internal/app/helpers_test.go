package app

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/flannel/internal/config"
	"github.com/wharfhq/wharf/flannel/internal/kubesubnet"
)

func TestOverlayChanged(t *testing.T) {
	base := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "a", Annotations: map[string]string{kubesubnet.AnnPublicIP: "1.1.1.1"}},
		Spec: corev1.NodeSpec{PodCIDR: "10.244.1.0/24"}}
	heartbeat := base.DeepCopy()
	heartbeat.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	heartbeat.Annotations["unrelated"] = "x"
	if overlayChanged(base, heartbeat) {
		t.Error("a status heartbeat counted as an overlay change")
	}
	moved := base.DeepCopy()
	moved.Annotations[kubesubnet.AnnPublicIP] = "2.2.2.2"
	cidr := base.DeepCopy()
	cidr.Spec.PodCIDR = "10.244.9.0/24"
	for _, n := range []*corev1.Node{moved, cidr} {
		if !overlayChanged(base, n) {
			t.Errorf("change %+v not noticed", n)
		}
	}
}

func TestWriteSubnetEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "flannel", "subnet.env")
	nc := &config.NetConf{Network: netip.MustParsePrefix("10.244.0.0/16")}
	if err := writeSubnetEnv(path, nc, netip.MustParsePrefix("10.244.3.0/24"), 1450, true); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"
	if string(got) != want {
		t.Fatalf("subnet.env = %q, want %q", got, want)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	err := Run(context.Background(), Options{Cleanup: true, NetNS: filepath.Join(t.TempDir(), "missing")})
	if err == nil || !strings.Contains(err.Error(), "netns") {
		t.Errorf("Run with a missing netns = %v, want a netns error", err)
	}
	err = Run(context.Background(), Options{Kubeconfig: filepath.Join(t.TempDir(), "none")})
	if err == nil || !strings.Contains(err.Error(), "node name") {
		t.Errorf("Run without a node name = %v, want an error naming it", err)
	}
}
