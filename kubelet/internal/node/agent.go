package node

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// LeaseNamespace holds the node leases.
const LeaseNamespace = "kube-node-lease"

// Config configures an Agent.
type Config struct {
	Client  *client.Client
	Name    string
	Machine Machine
	// PodCIDR, if set, is written to spec.podCIDR when that is empty.
	PodCIDR string
	// Health reports the kubelet's state for the Ready condition; nil
	// means always ready.
	Health func() Health
	// LeaseDuration (default 40s), RenewInterval (10s), StatusPeriod
	// (5m, upstream's nodeStatusReportFrequency: the lease is the
	// heartbeat, an unchanged status is only re-reported this often).
	LeaseDuration, RenewInterval, StatusPeriod time.Duration
	Log                                        *slog.Logger
}

// Agent registers the node and keeps its lease and status fresh.
type Agent struct {
	cfg Config
	// lease is the Lease as last written, so a renewal is one Update and
	// no Get; nil until then or after a failed write. Only renewLease
	// (the Run goroutine) touches it.
	lease *coordinationv1.Lease
}

// NewAgent fills in defaults.
func NewAgent(cfg Config) *Agent {
	if cfg.LeaseDuration == 0 {
		cfg.LeaseDuration = 40 * time.Second
	}
	if cfg.RenewInterval == 0 {
		cfg.RenewInterval = 10 * time.Second
	}
	if cfg.StatusPeriod == 0 {
		cfg.StatusPeriod = 5 * time.Minute
	}
	if cfg.Health == nil {
		cfg.Health = func() Health { return Health{} }
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Agent{cfg: cfg}
}

// Register creates the Node or updates an existing one's labels and
// podCIDR, then writes its status.
func (a *Agent) Register(ctx context.Context) error {
	nodes := client.Nodes(a.cfg.Client)
	n, err := nodes.Get(ctx, a.cfg.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		n = &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: a.cfg.Name, Labels: Labels(a.cfg.Name)}}
		n.Spec.PodCIDR = a.cfg.PodCIDR
		if a.cfg.PodCIDR != "" {
			n.Spec.PodCIDRs = []string{a.cfg.PodCIDR}
		}
		if n, err = nodes.Create(ctx, n, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("node: register %s: %w", a.cfg.Name, err)
		}
		a.cfg.Log.InfoContext(ctx, "registered node", "node", a.cfg.Name)
	case err != nil:
		return fmt.Errorf("node: get %s: %w", a.cfg.Name, err)
	default:
		if err := a.updateSpec(ctx, n); err != nil {
			return err
		}
	}
	return a.syncStatus(ctx, true)
}

func (a *Agent) updateSpec(ctx context.Context, n *corev1.Node) error {
	n = n.DeepCopy()
	changed := false
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	for k, v := range Labels(a.cfg.Name) {
		if n.Labels[k] != v {
			n.Labels[k], changed = v, true
		}
	}
	if n.Spec.PodCIDR == "" && a.cfg.PodCIDR != "" {
		n.Spec.PodCIDR, n.Spec.PodCIDRs, changed = a.cfg.PodCIDR, []string{a.cfg.PodCIDR}, true
	}
	if !changed {
		return nil
	}
	if _, err := client.Nodes(a.cfg.Client).Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("node: update %s: %w", a.cfg.Name, err)
	}
	return nil
}

// WaitForPodCIDR polls the Node until spec.podCIDR is set and returns it.
func (a *Agent) WaitForPodCIDR(ctx context.Context) (string, error) {
	for {
		n, err := client.Nodes(a.cfg.Client).Get(ctx, a.cfg.Name, metav1.GetOptions{})
		if err == nil && n.Spec.PodCIDR != "" {
			return n.Spec.PodCIDR, nil
		}
		if err != nil {
			a.cfg.Log.WarnContext(ctx, "waiting for podCIDR", "err", err)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("node: waiting for spec.podCIDR: %w", ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// Run renews the lease and syncs the status until ctx ends.
func (a *Agent) Run(ctx context.Context) {
	t := time.NewTicker(a.cfg.RenewInterval)
	defer t.Stop()
	for {
		if err := a.renewLease(ctx); err != nil && ctx.Err() == nil {
			a.cfg.Log.WarnContext(ctx, "renew lease", "err", err)
		}
		if err := a.syncStatus(ctx, false); err != nil && ctx.Err() == nil {
			a.cfg.Log.WarnContext(ctx, "node status", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// syncStatus writes the node's status when it changed (or force),
// retrying on conflicts with other writers of the Node (the
// controller-manager sets spec.podCIDR and taints concurrently).
func (a *Agent) syncStatus(ctx context.Context, force bool) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = a.trySyncStatus(ctx, force, attempt == 0); !apierrors.IsConflict(err) {
			return err
		}
	}
	return err
}

// trySyncStatus reads the Node (from the apiserver's watch cache when
// cached, as upstream's first try does: a stale copy only costs a
// conflict and a retry from etcd) and writes its status if needed.
func (a *Agent) trySyncStatus(ctx context.Context, force, cached bool) error {
	nodes := client.Nodes(a.cfg.Client)
	var opts metav1.GetOptions
	if cached {
		opts.ResourceVersion = "0"
	}
	n, err := nodes.Get(ctx, a.cfg.Name, opts)
	if err != nil {
		return fmt.Errorf("node: get %s: %w", a.cfg.Name, err)
	}
	now := time.Now()
	next := Status(n.Status, a.cfg.Machine, a.cfg.Health(), now)
	if !force && !NeedsUpdate(n.Status, next, now, a.cfg.StatusPeriod) {
		return nil
	}
	n = n.DeepCopy()
	n.Status = next
	if _, err := nodes.UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("node: update status: %w", err)
	}
	return nil
}
