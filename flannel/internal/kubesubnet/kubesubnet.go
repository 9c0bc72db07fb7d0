// Package kubesubnet is the Node side of upstream flannel's kube subnet
// manager: a node's subnet is its spec.podCIDR, and its VTEP is published in
// annotations that upstream flanneld and wharf-flannel both read and write:
//
//	flannel.alpha.coreos.com/backend-type        vxlan
//	flannel.alpha.coreos.com/backend-data        {"VNI":1,"VtepMAC":"0a:58:..."}
//	flannel.alpha.coreos.com/public-ip           192.168.1.11
//	flannel.alpha.coreos.com/kube-subnet-manager true
//
// Everything here is pure: Nodes in, peers and patches out.
package kubesubnet

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/flannel/internal/overlay"
)

// Upstream's annotation keys.
const (
	AnnBackendType       = "flannel.alpha.coreos.com/backend-type"
	AnnBackendData       = "flannel.alpha.coreos.com/backend-data"
	AnnPublicIP          = "flannel.alpha.coreos.com/public-ip"
	AnnPublicIPOverwrite = "flannel.alpha.coreos.com/public-ip-overwrite"
	AnnKubeSubnetManager = "flannel.alpha.coreos.com/kube-subnet-manager"
)

// BackendData is the JSON in the backend-data annotation.
type BackendData struct {
	VNI     int    `json:"VNI"`
	VtepMAC string `json:"VtepMAC"`
}

// Subnet returns the node's IPv4 pod subnet: spec.podCIDR, or the first IPv4
// entry of spec.podCIDRs.
func Subnet(node *corev1.Node) (netip.Prefix, error) {
	cidrs := append([]string{node.Spec.PodCIDR}, node.Spec.PodCIDRs...)
	for _, c := range cidrs {
		if c == "" {
			continue
		}
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("node %s: podCIDR %q: %w", node.Name, c, err)
		}
		if p.Addr().Is4() {
			return p.Masked(), nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("node %s has no IPv4 spec.podCIDR yet", node.Name)
}

// PeerOf reads a node's subnet and published VTEP. It fails for a node that
// has not published a vxlan VTEP with the given VNI.
func PeerOf(node *corev1.Node, vni int) (overlay.Peer, error) {
	p := overlay.Peer{Name: node.Name}
	subnet, err := Subnet(node)
	if err != nil {
		return p, err
	}
	p.Subnet = subnet
	ann := node.Annotations
	if t := ann[AnnBackendType]; t != "vxlan" {
		return p, fmt.Errorf("node %s: backend-type %q, want vxlan", node.Name, t)
	}
	var bd BackendData
	if err := json.Unmarshal([]byte(ann[AnnBackendData]), &bd); err != nil {
		return p, fmt.Errorf("node %s: backend-data: %w", node.Name, err)
	}
	if bd.VNI != vni {
		return p, fmt.Errorf("node %s: VNI %d, want %d", node.Name, bd.VNI, vni)
	}
	if p.VtepMAC, err = net.ParseMAC(bd.VtepMAC); err != nil {
		return p, fmt.Errorf("node %s: VtepMAC: %w", node.Name, err)
	}
	ip := ann[AnnPublicIPOverwrite]
	if ip == "" {
		ip = ann[AnnPublicIP]
	}
	if p.PublicIP, err = netip.ParseAddr(strings.TrimSpace(ip)); err != nil {
		return p, fmt.Errorf("node %s: public-ip: %w", node.Name, err)
	}
	return p, nil
}

// Peers returns the usable peers among nodes and, for the others (self
// excluded), why they are not usable.
func Peers(nodes []*corev1.Node, self string, vni int) ([]overlay.Peer, []overlay.Skipped) {
	var peers []overlay.Peer
	var skipped []overlay.Skipped
	for _, n := range nodes {
		if n.Name == self {
			continue
		}
		p, err := PeerOf(n, vni)
		if err != nil {
			skipped = append(skipped, overlay.Skipped{Name: n.Name, Reason: err.Error()})
			continue
		}
		peers = append(peers, p)
	}
	return peers, skipped
}

// Annotations returns the annotations a node running the vxlan backend
// publishes.
func Annotations(vni int, mac net.HardwareAddr, publicIP netip.Addr) map[string]string {
	bd, _ := json.Marshal(BackendData{VNI: vni, VtepMAC: mac.String()})
	return map[string]string{
		AnnBackendType:       "vxlan",
		AnnBackendData:       string(bd),
		AnnPublicIP:          publicIP.String(),
		AnnKubeSubnetManager: "true",
	}
}

// AnnotationPatch returns a JSON merge patch that sets want on node, or
// nil when node already carries exactly those values.
func AnnotationPatch(node *corev1.Node, want map[string]string) []byte {
	diff := map[string]string{}
	for k, v := range want {
		if node.Annotations[k] != v {
			diff[k] = v
		}
	}
	if len(diff) == 0 {
		return nil
	}
	patch := map[string]any{"metadata": map[string]any{"annotations": maps.Clone(diff)}}
	data, _ := json.Marshal(patch)
	return data
}
