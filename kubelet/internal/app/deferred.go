package app

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/kubelet/internal/node"
	"github.com/wharfhq/wharf/kubelet/internal/pods"
	"github.com/wharfhq/wharf/kubelet/internal/staticpods"
)

// errNetworkNotReady is returned for pod networks asked for before the
// node has its podCIDR (static pods start before the apiserver answers;
// hostNetwork ones need no pod network).
var errNetworkNotReady = errors.New("pod network not ready: waiting for the node's podCIDR")

// deferredNetwork is the pod network once set; before, it has no pods
// and refuses to set any up.
type deferredNetwork struct {
	mu sync.Mutex
	n  pods.Network
}

func (d *deferredNetwork) set(n pods.Network) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n = n
}

func (d *deferredNetwork) get() pods.Network {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n
}

func (d *deferredNetwork) Setup(uid string) (string, net.IP, error) {
	if n := d.get(); n != nil {
		return n.Setup(uid)
	}
	return "", nil, errNetworkNotReady
}

func (d *deferredNetwork) Teardown(uid string) error {
	if n := d.get(); n != nil {
		return n.Teardown(uid)
	}
	return errNetworkNotReady
}

func (d *deferredNetwork) Pods() ([]string, error) {
	if n := d.get(); n != nil {
		return n.Pods()
	}
	return nil, nil
}

// deferredServices lists no Services until set (static pods do not wait
// for Services, as upstream; API pods start only after it is set).
type deferredServices struct {
	mu sync.Mutex
	l  pods.ServiceLister
}

func (d *deferredServices) set(l pods.ServiceLister) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.l = l
}

// ServicesIn implements pods.ServiceLister.
func (d *deferredServices) ServicesIn(ns string) []*corev1.Service {
	d.mu.Lock()
	l := d.l
	d.mu.Unlock()
	if l == nil {
		return nil
	}
	return l.ServicesIn(ns)
}

// watchStatic feeds ctl the static pods of --pod-manifest-path, if set.
func (o Options) watchStatic(ctx context.Context, ctl *pods.Controller) (wait func()) {
	if o.PodManifestPath == "" {
		return func() {}
	}
	cfg := staticpods.Config{Dir: o.PodManifestPath, NodeName: o.NodeName, Period: o.FileCheckFrequency, Log: o.Log}
	return background(ctx, func(ctx context.Context) { staticpods.Watch(ctx, cfg, ctl.SetStaticPods) })
}

// register registers the node; with static pods it retries until the
// apiserver answers (they run meanwhile), else it fails at once.
func (o Options) register(ctx context.Context, agent *node.Agent) error {
	for {
		err := agent.Register(ctx)
		if err == nil || o.PodManifestPath == "" || ctx.Err() != nil {
			return err
		}
		o.Log.WarnContext(ctx, "node not registered yet, retrying", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}
