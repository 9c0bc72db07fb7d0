package leaderelection

import (
	"context"
	"errors"
	"strconv"
	"sync"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var leasesGR = schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}

// leaseStore is an in-memory Lease table with apiserver semantics:
// resourceVersions, 404 on missing, 409 on create-existing and on
// updates with a stale resourceVersion. It stores deep copies.
type leaseStore struct {
	mu     sync.Mutex
	rv     int
	leases map[string]*coordinationv1.Lease
	// beforeUpdate, if set, runs (once) before the next update is checked.
	beforeUpdate func()
}

func newLeaseStore() *leaseStore {
	return &leaseStore{leases: map[string]*coordinationv1.Lease{}}
}

// get returns a copy of the stored lease, or nil.
func (s *leaseStore) get(name string) *coordinationv1.Lease {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.leases[name]; l != nil {
		return l.DeepCopy()
	}
	return nil
}

// put stores l unconditionally (test setup and interference).
func (s *leaseStore) put(l *coordinationv1.Lease) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putLocked(l)
}

func (s *leaseStore) putLocked(l *coordinationv1.Lease) *coordinationv1.Lease {
	s.rv++
	c := l.DeepCopy()
	c.ResourceVersion = strconv.Itoa(s.rv)
	s.leases[c.Name] = c
	return c.DeepCopy()
}

// client is one candidate's view of the store; broken makes every call
// fail, as a partitioned node's would.
type fakeClient struct {
	s      *leaseStore
	mu     sync.Mutex
	broken bool
}

func (s *leaseStore) client() *fakeClient { return &fakeClient{s: s} }

func (c *fakeClient) setBroken(b bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.broken = b
}

func (c *fakeClient) check() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken {
		return errors.New("connection refused")
	}
	return nil
}

func (c *fakeClient) Get(_ context.Context, name string, _ metav1.GetOptions) (*coordinationv1.Lease, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if l := c.s.get(name); l != nil {
		return l, nil
	}
	return nil, apierrors.NewNotFound(leasesGR, name)
}

func (c *fakeClient) Create(_ context.Context, l *coordinationv1.Lease, _ metav1.CreateOptions) (*coordinationv1.Lease, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if _, ok := c.s.leases[l.Name]; ok {
		return nil, apierrors.NewAlreadyExists(leasesGR, l.Name)
	}
	if l.ResourceVersion != "" {
		return nil, apierrors.NewBadRequest("resourceVersion must not be set on create")
	}
	return c.s.putLocked(l), nil
}

func (c *fakeClient) Update(_ context.Context, l *coordinationv1.Lease, _ metav1.UpdateOptions) (*coordinationv1.Lease, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	c.s.mu.Lock()
	hook := c.s.beforeUpdate
	c.s.beforeUpdate = nil
	c.s.mu.Unlock()
	if hook != nil {
		hook()
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	cur, ok := c.s.leases[l.Name]
	if !ok {
		return nil, apierrors.NewNotFound(leasesGR, l.Name)
	}
	if l.ResourceVersion != cur.ResourceVersion {
		return nil, apierrors.NewConflict(leasesGR, l.Name, errors.New("the object has been modified"))
	}
	return c.s.putLocked(l), nil
}
