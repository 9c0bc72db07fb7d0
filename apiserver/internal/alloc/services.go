package alloc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Services allocates ClusterIPs and NodePorts for Services.
type Services struct {
	IPRange   *IPRange
	PortRange PortRange
	IPs       *Allocator
	Ports     *Allocator
	Log       *slog.Logger
}

// NewServices returns allocators for the two ranges kept in kv.
func NewServices(kv KV, ipRange *IPRange, ports PortRange, log *slog.Logger) *Services {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Services{
		IPRange: ipRange, PortRange: ports, Log: log,
		IPs:   NewAllocator(kv, ServiceIPsKey, ipRange.CIDR.String(), ipRange.Size()),
		Ports: NewAllocator(kv, NodePortsKey, ports.String(), ports.Size),
	}
}

var serviceGK = schema.GroupKind{Kind: "Service"}

// wantsClusterIP reports whether svc gets a ClusterIP.
func wantsClusterIP(svc *corev1.Service) bool {
	return svc.Spec.Type != corev1.ServiceTypeExternalName && svc.Spec.ClusterIP != corev1.ClusterIPNone
}

func wantsNodePorts(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer
}

// Create allocates what a new svc needs, filling spec.clusterIP(s) and
// ports[].nodePort. On error nothing stays allocated. undo frees what
// was allocated, for when the Service is not stored after all.
func (s *Services) Create(ctx context.Context, svc *corev1.Service) (undo func(context.Context), err error) {
	var tx txn
	defer func() {
		if err != nil {
			tx.rollback(ctx, s)
		}
	}()
	if wantsClusterIP(svc) {
		if err := s.allocIP(ctx, svc, &tx); err != nil {
			return nil, err
		}
	}
	if wantsNodePorts(svc) {
		if err := s.allocPorts(ctx, svc, nil, &tx); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context) { tx.rollback(ctx, s) }, nil
}

// Update allocates node ports new in svc (and a ClusterIP if old had
// none). commit(true) releases what old had and svc no longer has;
// commit(false) undoes the new allocations.
func (s *Services) Update(ctx context.Context, svc, old *corev1.Service) (commit func(context.Context, bool), err error) {
	var tx txn
	defer func() {
		if err != nil {
			tx.rollback(ctx, s)
		}
	}()
	if wantsClusterIP(svc) && old.Spec.ClusterIP == "" {
		if err := s.allocIP(ctx, svc, &tx); err != nil {
			return nil, err
		}
	}
	if wantsNodePorts(svc) {
		if err := s.allocPorts(ctx, svc, old, &tx); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context, stored bool) {
		if !stored {
			tx.rollback(ctx, s)
			return
		}
		keep := nodePorts(svc)
		for p := range nodePorts(old) {
			if !keep[p] {
				s.releasePort(ctx, p)
			}
		}
	}, nil
}

// Release frees what svc holds (after it was deleted).
func (s *Services) Release(ctx context.Context, svc *corev1.Service) {
	if ip := net.ParseIP(svc.Spec.ClusterIP); ip != nil {
		if off, ok := s.IPRange.Offset(ip); ok {
			if err := s.IPs.Release(ctx, off); err != nil {
				s.Log.Error("release service IP", "ip", ip, "err", err)
			}
		}
	}
	for p := range nodePorts(svc) {
		s.releasePort(ctx, p)
	}
}

func (s *Services) releasePort(ctx context.Context, port int) {
	if off, ok := s.PortRange.Offset(port); ok {
		if err := s.Ports.Release(ctx, off); err != nil {
			s.Log.Error("release node port", "port", port, "err", err)
		}
	}
}

// txn records allocations so they can be undone.
type txn struct {
	ips, ports []int
}

func (t *txn) rollback(ctx context.Context, s *Services) {
	for _, i := range t.ips {
		_ = s.IPs.Release(ctx, i)
	}
	for _, i := range t.ports {
		_ = s.Ports.Release(ctx, i)
	}
	t.ips, t.ports = nil, nil
}

func (s *Services) allocIP(ctx context.Context, svc *corev1.Service, tx *txn) error {
	path := field.NewPath("spec", "clusterIPs")
	if svc.Spec.ClusterIP == "" {
		off, err := s.IPs.AllocateNext(ctx)
		if errors.Is(err, ErrFull) {
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: range is full"))
		}
		if err != nil {
			return err
		}
		tx.ips = append(tx.ips, off)
		ip := s.IPRange.IP(off).String()
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = ip, []string{ip}
		return nil
	}
	ip := net.ParseIP(svc.Spec.ClusterIP)
	off, ok := s.IPRange.Offset(ip)
	if !ok {
		return invalid(svc, field.Invalid(path, svc.Spec.ClusterIPs, fmt.Sprintf(
			"failed to allocate IP %s: the provided IP (%s) is not in the valid range. The range of valid IPs is %s",
			svc.Spec.ClusterIP, svc.Spec.ClusterIP, s.IPRange.CIDR)))
	}
	err := s.IPs.Allocate(ctx, off)
	if errors.Is(err, ErrAllocated) {
		return invalid(svc, field.Invalid(path, svc.Spec.ClusterIPs, fmt.Sprintf(
			"failed to allocate IP %s: provided IP is already allocated", svc.Spec.ClusterIP)))
	}
	if err != nil {
		return err
	}
	tx.ips = append(tx.ips, off)
	return nil
}

// allocPorts gives every port of svc without a nodePort a new one and
// takes the requested ones that old (if any) did not hold already.
func (s *Services) allocPorts(ctx context.Context, svc, old *corev1.Service, tx *txn) error {
	held := map[int]bool{}
	if old != nil {
		held = nodePorts(old)
	}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		path := field.NewPath("spec", "ports").Index(i).Child("nodePort")
		if p.NodePort == 0 {
			off, err := s.Ports.AllocateNext(ctx)
			if errors.Is(err, ErrFull) {
				return apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: range is full"))
			}
			if err != nil {
				return err
			}
			tx.ports = append(tx.ports, off)
			p.NodePort = int32(s.PortRange.Base + off)
			held[int(p.NodePort)] = true
			continue
		}
		if held[int(p.NodePort)] {
			continue
		}
		off, ok := s.PortRange.Offset(int(p.NodePort))
		if !ok {
			return invalid(svc, field.Invalid(path, p.NodePort, fmt.Sprintf(
				"provided port is not in the valid range. The range of valid ports is %s", s.PortRange)))
		}
		err := s.Ports.Allocate(ctx, off)
		if errors.Is(err, ErrAllocated) {
			return invalid(svc, field.Invalid(path, p.NodePort, "provided port is already allocated"))
		}
		if err != nil {
			return err
		}
		tx.ports = append(tx.ports, off)
		held[int(p.NodePort)] = true
	}
	return nil
}

func nodePorts(svc *corev1.Service) map[int]bool {
	out := map[int]bool{}
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			out[int(p.NodePort)] = true
		}
	}
	return out
}

func invalid(svc *corev1.Service, e *field.Error) error {
	return apierrors.NewInvalid(serviceGK, svc.Name, field.ErrorList{e})
}
