package alloc

import (
	"context"
	"fmt"
	"net"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// ListServices returns every stored Service.
type ListServices func(ctx context.Context) ([]*corev1.Service, error)

// Repairer reconciles the bitmaps with the Services that exist: an offset
// held by no Service in two consecutive runs is freed (one run is not
// enough: a create may have allocated but not stored yet), and an offset
// a Service uses but the bitmap lacks is taken. It is not safe for
// concurrent use; run one per apiserver.
type Repairer struct {
	Services *Services
	List     ListServices
	suspects map[string]bool // "ip/<off>" or "port/<off>" leaked in the last run
}

// RunEvery repairs now and then every interval until ctx ends.
func (r *Repairer) RunEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.Services.Log.Warn("service allocation repair failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce does one repair pass.
func (r *Repairer) RunOnce(ctx context.Context) error {
	svcs, err := r.List(ctx)
	if err != nil {
		return fmt.Errorf("alloc: repair: %w", err)
	}
	usedIPs, usedPorts := map[int]bool{}, map[int]bool{}
	s := r.Services
	for _, svc := range svcs {
		if ip := net.ParseIP(svc.Spec.ClusterIP); ip != nil {
			if off, ok := s.IPRange.Offset(ip); ok {
				usedIPs[off] = true
			}
		}
		for p := range nodePorts(svc) {
			if off, ok := s.PortRange.Offset(p); ok {
				usedPorts[off] = true
			}
		}
	}
	next := map[string]bool{}
	if err := r.repair(ctx, "ip", s.IPs, usedIPs, next); err != nil {
		return err
	}
	if err := r.repair(ctx, "port", s.Ports, usedPorts, next); err != nil {
		return err
	}
	r.suspects = next
	return nil
}

func (r *Repairer) repair(ctx context.Context, kind string, a *Allocator, used map[int]bool, next map[string]bool) error {
	allocated, err := a.Allocated(ctx)
	if err != nil {
		return err
	}
	have := map[int]bool{}
	for _, off := range allocated {
		have[off] = true
		if used[off] {
			continue
		}
		id := fmt.Sprintf("%s/%d", kind, off)
		if !r.suspects[id] {
			next[id] = true
			continue
		}
		r.Services.Log.Info("releasing leaked service allocation", "kind", kind, "offset", off)
		if err := a.Release(ctx, off); err != nil {
			return err
		}
	}
	for off := range used {
		if have[off] {
			continue
		}
		r.Services.Log.Info("re-marking allocation in use", "kind", kind, "offset", off)
		if err := a.Allocate(ctx, off); err != nil && err != ErrAllocated {
			return err
		}
	}
	return nil
}
