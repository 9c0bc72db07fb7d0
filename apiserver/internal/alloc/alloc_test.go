package alloc

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/etcd"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
)

func newStore(t *testing.T) *storage.Store {
	t.Helper()
	ctx := context.Background()
	e, err := etcd.StartEmbedded(ctx, etcd.EmbeddedConfig{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	c, err := etcd.Dial(ctx, e.Endpoints())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return storage.New(c)
}

func newServices(t *testing.T, s *storage.Store, cidr, ports string) *Services {
	t.Helper()
	ipr, err := ParseIPRange(cidr)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := ParsePortRange(ports)
	if err != nil {
		t.Fatal(err)
	}
	return NewServices(s, ipr, pr, nil)
}

func svc(name string, typ corev1.ServiceType, ip string, nodePort int32) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.ServiceSpec{Type: typ, ClusterIP: ip, Ports: []corev1.ServicePort{{Port: 80, NodePort: nodePort}}}}
}

func TestRanges(t *testing.T) {
	r, err := ParseIPRange("10.96.0.0/12")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.IP(0).String(); got != "10.96.0.1" {
		t.Errorf("IP(0) = %s", got)
	}
	if off, ok := r.Offset(r.IP(12345)); !ok || off != 12345 {
		t.Errorf("round trip: %d %v", off, ok)
	}
	for _, bad := range []string{"10.96.0.0", "10.111.255.255", "10.112.0.1", "1.2.3.4"} {
		if _, ok := r.Offset([]byte(mustIP(bad))); ok {
			t.Errorf("%s is usable", bad)
		}
	}
	for _, bad := range []string{"10.0.0.0/8", "fd00::/108", "x", "10.0.0.0/31"} {
		if _, err := ParseIPRange(bad); err == nil {
			t.Errorf("ParseIPRange(%q) succeeded", bad)
		}
	}
	for _, bad := range []string{"1-", "5-4", "0-10", "30000-70000", "abc"} {
		if _, err := ParsePortRange(bad); err == nil {
			t.Errorf("ParsePortRange(%q) succeeded", bad)
		}
	}
}

func mustIP(s string) []byte {
	var b [4]byte
	_, _ = fmt.Sscanf(s, "%d.%d.%d.%d", &b[0], &b[1], &b[2], &b[3])
	return b[:]
}

// Two allocators on one etcd (two apiservers) never hand out the same IP
// or port, even when racing.
func TestConcurrentAllocatorsNeverDuplicate(t *testing.T) {
	st := newStore(t)
	a := newServices(t, st, "10.96.0.0/12", "30000-32767")
	b := newServices(t, st, "10.96.0.0/12", "30000-32767")
	ctx := context.Background()
	var mu sync.Mutex
	ips, ports := map[string]string{}, map[int32]string{}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := svc(fmt.Sprint("s", i), corev1.ServiceTypeNodePort, "", 0)
			if _, err := []*Services{a, b}[i%2].Create(ctx, s); err != nil {
				errs <- err
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if o, dup := ips[s.Spec.ClusterIP]; dup {
				errs <- fmt.Errorf("IP %s given to %s and %s", s.Spec.ClusterIP, o, s.Name)
			}
			if o, dup := ports[s.Spec.Ports[0].NodePort]; dup {
				errs <- fmt.Errorf("port %d given to %s and %s", s.Spec.Ports[0].NodePort, o, s.Name)
			}
			ips[s.Spec.ClusterIP], ports[s.Spec.Ports[0].NodePort] = s.Name, s.Name
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(ips) != 200 || len(ports) != 200 {
		t.Errorf("got %d IPs, %d ports", len(ips), len(ports))
	}
}

func TestExplicitRequestsAndRelease(t *testing.T) {
	s := newServices(t, newStore(t), "10.96.0.0/24", "30000-30010")
	ctx := context.Background()
	first := svc("a", corev1.ServiceTypeNodePort, "10.96.0.10", 30005)
	if _, err := s.Create(ctx, first); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		svc  *corev1.Service
		want string
	}{
		{svc("b", corev1.ServiceTypeClusterIP, "10.96.0.10", 0), "failed to allocate IP 10.96.0.10: provided IP is already allocated"},
		{svc("c", corev1.ServiceTypeClusterIP, "10.0.0.1", 0), "the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/24"},
		{svc("d", corev1.ServiceTypeNodePort, "", 30005), "spec.ports[0].nodePort: Invalid value: 30005: provided port is already allocated"},
		{svc("e", corev1.ServiceTypeNodePort, "", 1234), "provided port is not in the valid range. The range of valid ports is 30000-30010"},
	}
	for _, c := range cases {
		before, _ := s.IPs.Allocated(ctx)
		_, err := s.Create(ctx, c.svc)
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want 422 with %q", c.svc.Name, err, c.want)
		}
		if after, _ := s.IPs.Allocated(ctx); len(after) != len(before) {
			t.Errorf("%s: failed create changed the IP bitmap: %v -> %v", c.svc.Name, before, after)
		}
	}
	s.Release(ctx, first)
	again := svc("f", corev1.ServiceTypeNodePort, "10.96.0.10", 30005)
	if _, err := s.Create(ctx, again); err != nil {
		t.Fatalf("released IP/port not reusable: %v", err)
	}
}

func TestUndoAndUpdate(t *testing.T) {
	s := newServices(t, newStore(t), "10.96.0.0/24", "30000-30010")
	ctx := context.Background()
	x := svc("x", corev1.ServiceTypeClusterIP, "", 0)
	undo, err := s.Create(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	undo(ctx)
	if got, _ := s.IPs.Allocated(ctx); len(got) != 0 {
		t.Fatalf("undo left %v", got)
	}
	old := svc("y", corev1.ServiceTypeNodePort, "", 30001)
	if _, err := s.Create(ctx, old); err != nil {
		t.Fatal(err)
	}
	upd := old.DeepCopy()
	upd.Spec.Ports[0].NodePort = 30002
	commit, err := s.Update(ctx, upd, old)
	if err != nil {
		t.Fatal(err)
	}
	commit(ctx, true)
	got, _ := s.Ports.Allocated(ctx)
	if fmt.Sprint(got) != "[2]" {
		t.Errorf("ports after update = %v, want [2] (30002 only)", got)
	}
}

func TestRepairFreesLeaksAfterTwoRunsAndMarksMissing(t *testing.T) {
	s := newServices(t, newStore(t), "10.96.0.0/24", "30000-30010")
	ctx := context.Background()
	live := svc("live", corev1.ServiceTypeNodePort, "", 0)
	if _, err := s.Create(ctx, live); err != nil {
		t.Fatal(err)
	}
	leak := svc("leak", corev1.ServiceTypeNodePort, "", 0)
	if _, err := s.Create(ctx, leak); err != nil { // allocated, never stored
		t.Fatal(err)
	}
	unmarked := svc("unmarked", corev1.ServiceTypeClusterIP, "10.96.0.200", 0) // stored, not in bitmap
	services := []*corev1.Service{live, unmarked}
	r := &Repairer{Services: s, List: func(context.Context) ([]*corev1.Service, error) { return services, nil }}
	if err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	ips, _ := s.IPs.Allocated(ctx)
	if len(ips) != 3 {
		t.Fatalf("after one run IPs %v, want the leak kept (3)", ips)
	}
	if err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	ips, _ = s.IPs.Allocated(ctx)
	ports, _ := s.Ports.Allocated(ctx)
	if fmt.Sprint(ips) != "[0 199]" || fmt.Sprint(ports) != "[0]" {
		t.Errorf("after two runs IPs %v ports %v, want [0 199] and [0]", ips, ports)
	}
}
