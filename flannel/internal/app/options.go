package app

import (
	"log/slog"
	"net"
	"time"
)

// Options configure Run. Zero values take the defaults noted.
type Options struct {
	// Kubeconfig is the kubeconfig path ("" = $KUBECONFIG, ~/.wharf/config, ~/.kube/config).
	Kubeconfig string
	// NodeName is this node's Node object name (required).
	NodeName string
	// Iface is the underlay interface, by name or IPv4 address; its address
	// is the public IP and local VTEP. "" = the default route's interface.
	Iface string
	// NetConfFile, if set, is read instead of the ConfigMap kube-system/kube-flannel-cfg.
	NetConfFile string
	// SubnetFile is where subnet.env is written ("" = /run/flannel/subnet.env).
	SubnetFile string
	// IPMasq adds masquerade rules for traffic leaving the pod network.
	IPMasq bool
	// HTTPAddr serves /healthz and /metrics ("" = none) unless HTTPListener is set.
	HTTPAddr     string
	HTTPListener net.Listener
	// NetNS is the path of the network namespace to program ("" = the
	// current one). Tests use it to run one agent per node namespace.
	NetNS string
	// ResyncPeriod re-runs the full sync this often (0 = 30s).
	ResyncPeriod time.Duration
	// Cleanup removes flannel.1 and the masquerade rules, then returns.
	Cleanup bool
	// Logger is the logger (nil = slog.Default()).
	Logger *slog.Logger
}

// DefaultSubnetFile is upstream's subnet.env location.
const DefaultSubnetFile = "/run/flannel/subnet.env"

// encapOverhead is what VXLAN over IPv4 adds to every frame.
const encapOverhead = 50

func (o Options) withDefaults() Options {
	if o.SubnetFile == "" {
		o.SubnetFile = DefaultSubnetFile
	}
	if o.ResyncPeriod <= 0 {
		o.ResyncPeriod = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
