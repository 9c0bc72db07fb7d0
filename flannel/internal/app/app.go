package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/flannel/internal/config"
	"github.com/wharfhq/wharf/flannel/internal/ipmasq"
	"github.com/wharfhq/wharf/flannel/internal/vxlan"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/kubeconfig"
)

// Run runs the agent until ctx ends (or, with Cleanup, removes what the
// agent made and returns). Leaving on ctx keeps flannel.1 and its entries.
func Run(ctx context.Context, opts Options) error {
	opts = opts.withDefaults()
	if opts.NodeName == "" && !opts.Cleanup {
		return errors.New("node name is required")
	}
	h, err := openHost(opts.NetNS)
	if err != nil {
		return err
	}
	defer h.Close()
	if opts.Cleanup {
		return cleanup(h, opts)
	}
	c, err := newClient(opts.Kubeconfig)
	if err != nil {
		return err
	}
	nc, err := loadNetConf(ctx, c, opts.NetConfFile)
	if err != nil {
		return err
	}
	u, err := h.findUnderlay(opts.Iface)
	if err != nil {
		return err
	}
	a := &agent{opts: opts, log: opts.Logger, client: c, host: h, nc: nc, underlay: u,
		metrics: newMetrics(), kick: make(chan struct{}, 1)}
	a.log.Info("starting", "node", opts.NodeName, "network", nc.Network, "vni", nc.VNI,
		"port", nc.Port, "publicIP", u.addr, "mtu", u.mtu-encapOverhead)
	if err := a.serveHTTP(ctx); err != nil {
		return err
	}
	return a.run(ctx)
}

func newClient(path string) (*client.Client, error) {
	kc, _, err := kubeconfig.LoadDefault(path)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	cfg, _, err := kc.ClientConfig("")
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.UserAgent = "wharf-flannel"
	c, err := client.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return c, nil
}

// loadNetConf reads the file if given, else the ConfigMap, retrying until it
// exists (the ConfigMap may be created after the agent starts).
func loadNetConf(ctx context.Context, c *client.Client, file string) (*config.NetConf, error) {
	if file != "" {
		return config.FromFile(file)
	}
	cms := client.ConfigMaps(c, config.ConfigMapNamespace)
	for delay := 500 * time.Millisecond; ; delay = min(2*delay, 10*time.Second) {
		cm, err := cms.Get(ctx, config.ConfigMapName, metav1.GetOptions{})
		if err == nil {
			return config.FromConfigMap(cm)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("get configmap %s/%s: %w", config.ConfigMapNamespace, config.ConfigMapName, err)
		case <-time.After(delay):
		}
	}
}

func (a *agent) serveHTTP(ctx context.Context) error {
	ln := a.opts.HTTPListener
	if ln == nil && a.opts.HTTPAddr != "" {
		var err error
		if ln, err = net.Listen("tcp", a.opts.HTTPAddr); err != nil {
			return fmt.Errorf("listen %s: %w", a.opts.HTTPAddr, err)
		}
	}
	if ln != nil {
		go a.metrics.serve(ctx, ln, a.log)
	}
	return nil
}

// cleanup removes flannel.<VNI> (VNI from the net-conf file if given, else 1)
// and the masquerade rules.
func cleanup(h *host, opts Options) error {
	vni := config.DefaultVNI
	if opts.NetConfFile != "" {
		nc, err := config.FromFile(opts.NetConfFile)
		if err != nil {
			return err
		}
		vni = nc.VNI
	}
	errLink := vxlan.DeleteLink(h.nl, vxlan.DeviceName(vni))
	errIPT := h.iptables(func(ipt iptablesAPI) error { return ipmasq.Cleanup(ipt) })
	return errors.Join(errLink, errIPT)
}

// nodeReady reports whether the node has a subnet to serve.
func nodeReady(n *corev1.Node) bool { return n.Spec.PodCIDR != "" || len(n.Spec.PodCIDRs) > 0 }
