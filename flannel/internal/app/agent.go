package app

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/flannel/internal/config"
	"github.com/wharfhq/wharf/flannel/internal/ipmasq"
	"github.com/wharfhq/wharf/flannel/internal/kubesubnet"
	"github.com/wharfhq/wharf/flannel/internal/overlay"
	"github.com/wharfhq/wharf/flannel/internal/vxlan"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
)

// agent is the state of one Run. Only the run goroutine touches it, except
// metrics, which the HTTP server reads.
type agent struct {
	opts     Options
	log      *slog.Logger
	client   *client.Client
	host     *host
	nc       *config.NetConf
	underlay underlay
	metrics  *metrics
	kick     chan struct{}
	nodes    *informer.Informer[*corev1.Node]

	subnet      netip.Prefix // own subnet once known
	patchedRV   string       // own Node's resourceVersion when we last patched it
	envWritten  netip.Prefix // subnet subnet.env was written for
	lastSkipped string
}

// run starts the Node informer and syncs on every relevant event, every
// ResyncPeriod, and after a failed sync with backoff, until ctx ends.
func (a *agent) run(ctx context.Context) error {
	a.nodes = informer.New(informer.FromResource(client.Nodes(a.client)),
		informer.Options[*corev1.Node]{Logger: a.log})
	a.nodes.AddHandler(informer.Handler[*corev1.Node]{
		OnAdd: func(*corev1.Node, bool) { a.poke() },
		OnUpdate: func(old, cur *corev1.Node) {
			if old == cur || overlayChanged(old, cur) {
				a.poke()
			}
		},
		OnDelete: func(*corev1.Node) { a.poke() },
	})
	go a.nodes.Run(ctx)
	if !informer.WaitForCacheSync(ctx, a.nodes.HasSynced) {
		return nil
	}
	resync := time.NewTicker(a.opts.ResyncPeriod)
	defer resync.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	var backoff time.Duration
	for {
		if err := a.sync(ctx); err != nil {
			backoff = min(max(2*backoff, 200*time.Millisecond), 30*time.Second)
			a.log.Warn("sync failed; retrying", "err", err, "in", backoff)
			retry.Reset(backoff)
		} else {
			backoff = 0
		}
		select {
		case <-ctx.Done():
			a.log.Info("stopping; flannel.1 and its entries stay in place")
			return nil
		case <-a.kick:
		case <-resync.C:
		case <-retry.C:
		}
	}
}

// poke asks the loop for a sync; pokes while one is pending coalesce.
func (a *agent) poke() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// overlayChanged reports whether a Node update matters to the overlay
// (status heartbeats do not).
func overlayChanged(old, cur *corev1.Node) bool {
	if old.Spec.PodCIDR != cur.Spec.PodCIDR || !slices.Equal(old.Spec.PodCIDRs, cur.Spec.PodCIDRs) {
		return true
	}
	for _, k := range []string{kubesubnet.AnnBackendType, kubesubnet.AnnBackendData,
		kubesubnet.AnnPublicIP, kubesubnet.AnnPublicIPOverwrite} {
		if old.Annotations[k] != cur.Annotations[k] {
			return true
		}
	}
	return false
}

// sync converges everything from the informer's cache: read, compute, write.
func (a *agent) sync(ctx context.Context) error {
	start := time.Now()
	self, ok := a.nodes.Lister().Get("", a.opts.NodeName)
	if !ok || !nodeReady(self) {
		a.log.Info("waiting for own Node and its spec.podCIDR", "node", a.opts.NodeName)
		a.metrics.healthy.Store(false)
		return nil
	}
	subnet, err := kubesubnet.Subnet(self)
	if err != nil {
		return err
	}
	if a.subnet.IsValid() && a.subnet != subnet {
		a.log.Warn("own subnet changed", "from", a.subnet, "to", subnet)
	}
	a.subnet = subnet
	link, err := a.ensureDevice(ctx, self)
	if err != nil {
		a.metrics.observe(vxlan.Changes{}, time.Since(start), err)
		return err
	}
	peers, skipped := kubesubnet.Peers(a.nodes.Lister().List(nil), a.opts.NodeName, a.nc.VNI)
	desired, skipped2 := overlay.Render(overlay.Self{Name: a.opts.NodeName, Subnet: subnet}, a.nc.Network, peers)
	a.logSkipped(append(skipped, skipped2...))
	changes, err := vxlan.Reconcile(a.host.nl, link.Index, desired)
	a.metrics.peers.Set(float64(len(desired.Routes)))
	a.metrics.skipped.Set(float64(len(skipped) + len(skipped2)))
	a.metrics.observe(changes, time.Since(start), err)
	if changes.Total() > 0 {
		a.log.Info("programmed flannel.1", "peers", len(desired.Routes), "changes", fmt.Sprintf("%+v", changes),
			"took", time.Since(start))
	} else {
		a.log.Debug("in sync", "peers", len(desired.Routes), "took", time.Since(start))
	}
	if err != nil {
		return fmt.Errorf("reconcile flannel.1: %w", err)
	}
	return nil
}

// ensureDevice converges everything local to this node: the device, its
// address, the published annotations, subnet.env and the masquerade rules.
func (a *agent) ensureDevice(ctx context.Context, self *corev1.Node) (*netlink.Vxlan, error) {
	mtu := a.underlay.mtu - encapOverhead
	link, err := vxlan.EnsureLink(a.host.nl, vxlan.LinkConfig{Name: vxlan.DeviceName(a.nc.VNI), VNI: a.nc.VNI,
		Port: a.nc.Port, VtepIP: a.underlay.addr, VtepDevIndex: a.underlay.index, MTU: mtu})
	if err != nil {
		return nil, err
	}
	if err := vxlan.EnsureAddr(a.host.nl, link, a.subnet.Addr()); err != nil {
		return nil, err
	}
	want := kubesubnet.Annotations(a.nc.VNI, link.HardwareAddr, a.underlay.addr)
	// The cache may not show our own patch yet: patch again only once it
	// has moved past the version we patched.
	if patch := kubesubnet.AnnotationPatch(self, want); patch != nil && self.ResourceVersion != a.patchedRV {
		_, err := client.Nodes(a.client).Patch(ctx, self.Name, types.MergePatchType, patch, metav1.PatchOptions{})
		if err != nil {
			return nil, fmt.Errorf("publish VTEP annotations: %w", err)
		}
		a.patchedRV = self.ResourceVersion
		a.log.Info("published VTEP", "node", self.Name, "annotations", want)
	}
	if a.envWritten != a.subnet {
		if err := writeSubnetEnv(a.opts.SubnetFile, a.nc, a.subnet, mtu, a.opts.IPMasq); err != nil {
			return nil, err
		}
		a.envWritten = a.subnet
	}
	if a.opts.IPMasq {
		err := a.host.iptables(func(ipt iptablesAPI) error {
			changed, err := ipmasq.Ensure(ipt, ipmasq.Rules(a.nc.Network, a.subnet))
			if changed {
				a.log.Info("wrote masquerade rules", "chain", ipmasq.Chain)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return link, nil
}

func (a *agent) logSkipped(skipped []overlay.Skipped) {
	reasons := map[string]string{}
	for _, s := range skipped {
		reasons[s.Name] = s.Reason
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(reasons)) {
		fmt.Fprintf(&b, "%s: %s; ", k, reasons[k])
	}
	if b.String() != a.lastSkipped {
		a.lastSkipped = b.String()
		if len(reasons) > 0 {
			a.log.Info("nodes left out of the overlay", "nodes", b.String())
		}
	}
}
