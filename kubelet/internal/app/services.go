package app

import (
	"context"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/kubelet/internal/pods"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
)

// serviceCache is an informer over every Service, feeding the pods'
// service-link env vars.
type serviceCache struct {
	lister *informer.Lister[*corev1.Service]
}

// ServicesIn implements pods.ServiceLister.
func (s serviceCache) ServicesIn(ns string) []*corev1.Service { return s.lister.ByNamespace(ns) }

// startServices runs a Service informer until ctx ends and waits for its
// first list, as upstream's kubelet does before starting containers.
func startServices(ctx context.Context, c *client.Client, log *slog.Logger) (serviceCache, error) {
	inf := informer.New(informer.FromResource(client.Services(c, "")), informer.Options[*corev1.Service]{Logger: log})
	go inf.Run(ctx)
	if !informer.WaitForCacheSync(ctx, inf.HasSynced) {
		return serviceCache{}, fmt.Errorf("kubelet: services cache: %w", context.Cause(ctx))
	}
	return serviceCache{lister: inf.Lister()}, nil
}

// services is o.Services or a new informer; nil once ctx has ended.
func (o Options) services(ctx context.Context, c *client.Client) (pods.ServiceLister, error) {
	if o.Services != nil {
		return o.Services, nil
	}
	sc, err := startServices(ctx, c, o.Log)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		return nil, err
	}
	return sc, nil
}
