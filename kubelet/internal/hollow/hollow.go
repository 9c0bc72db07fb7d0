// Package hollow runs many hollow kubelets (--runtime=fake) in one
// process for scale tests: each registers its own Node, renews its Lease,
// watches its pods and reports them Running with fake IPs, but runs no
// containers. They share one API client (no client-side rate limit) and
// skip Service env vars, probes, volumes and the kubelet server.
package hollow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/kubelet/internal/app"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/kubeconfig"
)

// Config configures Run.
type Config struct {
	// Client talks to the apiserver; it should not be rate limited. If
	// nil, one is made from Kubeconfig without a rate limit.
	Client     *client.Client
	Kubeconfig string
	// Count hollow nodes named <Prefix><i> for i in [First, First+Count).
	Count, First int
	Prefix       string
	// RootDir gets one state directory per node.
	RootDir string
	// StartSpread spreads the nodes' starts evenly over this long
	// (default 4ms per node), so that registration is not one burst and
	// the nodes' lease renewals, every 10s from their start, do not all
	// fall at the same moment. Negative starts them all at once.
	StartSpread time.Duration
	Log         *slog.Logger
}

// NodeName is the name of hollow node i.
func NodeName(prefix string, i int) string { return fmt.Sprintf("%s%d", prefix, i) }

// PodCIDR is hollow node i's pod range: a /24 of 100.64.0.0/10 (up to
// 16384 nodes), so hollow pods never collide with the real pod network.
func PodCIDR(i int) string { return fmt.Sprintf("100.%d.%d.0/24", 64+i/256, i%256) }

// NodeIP is hollow node i's InternalIP (in 198.18.0.0/15, benchmarking space).
func NodeIP(i int) string { return fmt.Sprintf("198.%d.%d.%d", 18+i/65536, (i/256)%256, i%256) }

// Run runs the hollow nodes until ctx ends. A failing node restarts on
// its own; invalid options of one node stop them all.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Count < 1 || cfg.Count+cfg.First > 16384 {
		return fmt.Errorf("hollow: node count %d (from %d) out of range 1..16384", cfg.Count, cfg.First)
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Client == nil {
		c, err := newClient(cfg.Kubeconfig)
		if err != nil {
			return err
		}
		cfg.Client = c
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, cfg.Count)
	var wg sync.WaitGroup
	t0 := time.Now()
	for n := range cfg.Count {
		if !sleepUntil(ctx, t0.Add(startOffset(n, cfg.Count, cfg.StartSpread))) {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := runNode(ctx, cfg, cfg.First+n); err != nil {
				errs[n] = err
				cancel()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// runNode runs hollow node i until ctx ends. Like a kubelet under a
// supervisor it is restarted (after 1s, doubling up to 30s) when it fails,
// e.g. when an overloaded apiserver times out its registration; only
// invalid options end it.
func runNode(ctx context.Context, cfg Config, i int) error {
	name := NodeName(cfg.Prefix, i)
	log := cfg.Log.With("node", name)
	backoff := time.Second
	for {
		err := app.Run(ctx, app.Options{
			Client: cfg.Client, NodeName: name, RootDir: filepath.Join(cfg.RootDir, name), Runtime: "fake",
			PodCIDR: PodCIDR(i), NodeIP: NodeIP(i), Services: noServices{}, KubeletPort: -1,
			PodResyncPeriod: resync,
			Log:             log,
		})
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil:
			err = errors.New("kubelet returned early")
		case errors.Is(err, app.ErrUsage):
			return fmt.Errorf("hollow node %s: %w", name, err)
		}
		log.WarnContext(ctx, "hollow node failed; restarting", "err", err, "after", backoff)
		if !sleepUntil(ctx, time.Now().Add(backoff)) {
			return nil
		}
		backoff = min(2*backoff, maxRestartBackoff)
	}
}

// maxRestartBackoff caps the wait before a failed hollow node restarts.
const maxRestartBackoff = 30 * time.Second

// defaultSpreadPerNode is StartSpread's default per node: 5,000 nodes
// start over 20s.
const defaultSpreadPerNode = 4 * time.Millisecond

// startOffset is when node n of count starts, relative to the first.
func startOffset(n, count int, spread time.Duration) time.Duration {
	if spread == 0 {
		spread = time.Duration(count) * defaultSpreadPerNode
	}
	if spread < 0 || count < 2 {
		return 0
	}
	return time.Duration(int64(spread) / int64(count) * int64(n))
}

// sleepUntil waits until t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

func newClient(path string) (*client.Client, error) {
	kc, _, err := kubeconfig.LoadDefault(path)
	if err != nil {
		return nil, fmt.Errorf("hollow: kubeconfig: %w", err)
	}
	cc, _, err := kc.ClientConfig("")
	if err != nil {
		return nil, fmt.Errorf("hollow: kubeconfig: %w", err)
	}
	cc.QPS, cc.UserAgent = -1, "wharf-kubelet-hollow"
	c, err := client.New(cc)
	if err != nil {
		return nil, fmt.Errorf("hollow: client: %w", err)
	}
	return c, nil
}

// resync is the hollow pods' resync period: their fake containers never
// change on their own, so events alone drive them; a resync only costs
// the hollow process CPU (50,000 pods every 2m is ~400 syncs/s).
const resync = 2 * time.Minute

// noServices gives hollow pods no service-link env vars (they run nothing).
type noServices struct{}

func (noServices) ServicesIn(string) []*corev1.Service { return nil }
