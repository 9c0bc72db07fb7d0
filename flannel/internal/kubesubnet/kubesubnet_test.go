package kubesubnet

import (
	"encoding/json"
	"net"
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name, cidr string, ann map[string]string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: ann}, Spec: corev1.NodeSpec{PodCIDR: cidr}}
}

func TestPeerOf(t *testing.T) {
	mac, _ := net.ParseMAC("0a:58:0a:f4:02:00")
	good := Annotations(1, mac, netip.MustParseAddr("192.168.1.12"))
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	p, err := PeerOf(node("b", "10.244.2.0/24", good), 1)
	if err != nil || p.Subnet.String() != "10.244.2.0/24" || p.PublicIP.String() != "192.168.1.12" || p.VtepMAC.String() != mac.String() {
		t.Fatalf("PeerOf = %+v, %v", p, err)
	}
	p, err = PeerOf(node("b", "10.244.2.0/24", with(AnnPublicIPOverwrite, "10.0.0.9")), 1)
	if err != nil || p.PublicIP.String() != "10.0.0.9" {
		t.Fatalf("public-ip-overwrite: %+v, %v", p, err)
	}
	bad := []struct {
		name string
		n    *corev1.Node
		err  string
	}{
		{"no cidr", node("b", "", good), "no IPv4"},
		{"bad cidr", node("b", "10.244.2.0", good), "podCIDR"},
		{"host-gw", node("b", "10.244.2.0/24", with(AnnBackendType, "host-gw")), "backend-type"},
		{"no data", node("b", "10.244.2.0/24", with(AnnBackendData, "")), "backend-data"},
		{"other vni", node("b", "10.244.2.0/24", with(AnnBackendData, `{"VNI":2,"VtepMAC":"0a:58:0a:f4:02:00"}`)), "VNI 2"},
		{"bad mac", node("b", "10.244.2.0/24", with(AnnBackendData, `{"VNI":1,"VtepMAC":"zz"}`)), "VtepMAC"},
		{"no ip", node("b", "10.244.2.0/24", with(AnnPublicIP, "")), "public-ip"},
	}
	for _, tc := range bad {
		if _, err := PeerOf(tc.n, 1); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err = %v, want containing %q", tc.name, err, tc.err)
		}
	}
	dual := node("b", "", good)
	dual.Spec.PodCIDRs = []string{"fd00::/64", "10.244.5.0/24"}
	if s, err := Subnet(dual); err != nil || s.String() != "10.244.5.0/24" {
		t.Fatalf("Subnet(dual) = %v, %v", s, err)
	}
	peers, skipped := Peers([]*corev1.Node{node("a", "10.244.1.0/24", nil), node("b", "10.244.2.0/24", good),
		node("c", "10.244.3.0/24", nil)}, "a", 1)
	if len(peers) != 1 || peers[0].Name != "b" || len(skipped) != 1 || skipped[0].Name != "c" {
		t.Fatalf("Peers = %+v, %+v", peers, skipped)
	}
}

func TestAnnotations(t *testing.T) {
	mac, _ := net.ParseMAC("0a:58:0a:f4:02:00")
	want := Annotations(1, mac, netip.MustParseAddr("192.168.1.12"))
	if want[AnnBackendData] != `{"VNI":1,"VtepMAC":"0a:58:0a:f4:02:00"}` || want[AnnKubeSubnetManager] != "true" {
		t.Fatalf("Annotations = %v", want)
	}
	n := node("a", "10.244.1.0/24", map[string]string{"other": "x", AnnBackendType: "vxlan"})
	patch := AnnotationPatch(n, want)
	var got struct {
		Metadata struct{ Annotations map[string]string }
	}
	if err := json.Unmarshal(patch, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Metadata.Annotations) != 3 || got.Metadata.Annotations[AnnPublicIP] != "192.168.1.12" {
		t.Fatalf("patch = %s", patch)
	}
	n.Annotations = want
	if p := AnnotationPatch(n, want); p != nil {
		t.Fatalf("patch for an up-to-date node = %s, want nil", p)
	}
}
