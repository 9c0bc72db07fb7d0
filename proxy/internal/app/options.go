package app

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/wharfhq/wharf/proxy/internal/iptables"
)

// Options configures Run. Zero durations take the defaults.
type Options struct {
	// Kubeconfig is the kubeconfig file ("" = default lookup); Server, if
	// set, overrides its server URL.
	Kubeconfig, Server string
	// NodeName is this node's name: endpoints on it are local.
	NodeName string
	// ClusterCIDR masquerades cluster-IP traffic from outside it ("" = none).
	ClusterCIDR string
	// ProxyMode is ProxyModeIPTables ("" means it) or ProxyModeNFTables.
	ProxyMode string
	// IPTablesMode is "legacy", "nft" or "" / "auto" (detect); only for
	// ProxyModeIPTables.
	IPTablesMode string
	// MinSyncPeriod is the least time between two syncs (default 1s).
	MinSyncPeriod time.Duration
	// SyncPeriod is the period of syncs without a change (default 30s);
	// they write nothing unless the kernel lost a change, and keep
	// /healthz fresh.
	SyncPeriod time.Duration
	// FullSyncPeriod is the period of full resyncs, which rewrite every
	// chain (default 1h, as upstream: at 10k services one costs seconds of
	// CPU, on the nft backend about 8).
	FullSyncPeriod time.Duration
	// HealthzAddr and MetricsAddr are listen addresses; "" disables.
	HealthzAddr, MetricsAddr string
	// Profiling serves /debug/pprof/ on MetricsAddr.
	Profiling bool
	// Cleanup removes all our rules (both backends) and returns.
	Cleanup bool
	Logger  *slog.Logger
}

// Proxy modes (--proxy-mode).
const (
	// ProxyModeIPTables programs iptables in kube-proxy's layout.
	ProxyModeIPTables = "iptables"
	// ProxyModeNFTables programs table ip wharf-proxy through netlink (see
	// proxy/internal/nftables).
	ProxyModeNFTables = "nftables"
)

// Defaults of the sync periods.
const (
	DefaultMinSyncPeriod  = time.Second
	DefaultSyncPeriod     = 30 * time.Second
	DefaultFullSyncPeriod = time.Hour
)

func (o *Options) complete() error {
	if o.MinSyncPeriod == 0 {
		o.MinSyncPeriod = DefaultMinSyncPeriod
	}
	if o.SyncPeriod == 0 {
		o.SyncPeriod = DefaultSyncPeriod
	}
	if o.FullSyncPeriod == 0 {
		o.FullSyncPeriod = DefaultFullSyncPeriod
	}
	if o.NodeName == "" && !o.Cleanup {
		return fmt.Errorf("node name is empty (--hostname-override)")
	}
	if o.MinSyncPeriod < 0 || o.SyncPeriod < 0 || o.FullSyncPeriod < 0 {
		return fmt.Errorf("sync periods must not be negative")
	}
	if o.ClusterCIDR != "" {
		p, err := netip.ParsePrefix(o.ClusterCIDR)
		if err != nil || !p.Addr().Is4() {
			return fmt.Errorf("--cluster-cidr %q: want an IPv4 CIDR", o.ClusterCIDR)
		}
		o.ClusterCIDR = p.Masked().String()
	}
	switch o.ProxyMode {
	case "":
		o.ProxyMode = ProxyModeIPTables
	case ProxyModeIPTables, ProxyModeNFTables:
	default:
		return fmt.Errorf("--proxy-mode %q: want %s or %s", o.ProxyMode, ProxyModeIPTables, ProxyModeNFTables)
	}
	if _, err := iptables.ParseMode(o.IPTablesMode); err != nil {
		return err
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}
