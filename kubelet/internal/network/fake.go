package network

import (
	"fmt"
	"path/filepath"

	"github.com/wharfhq/wharf/kubelet/internal/ipam"
)

// Fake hands out IPs from the podCIDR without creating namespaces or
// interfaces: hollow nodes (--runtime=fake) and unit tests.
type Fake struct {
	ipam *ipam.Store
	dir  string
}

// NewFake returns a Fake keeping its allocations under dir.
func NewFake(dir, podCIDR string) (*Fake, error) {
	s, err := ipam.New(dir, podCIDR)
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	return &Fake{ipam: s, dir: dir}, nil
}

// Setup allocates uid's IP; NetNS is a path that is never created.
func (f *Fake) Setup(uid string) (Result, error) {
	ip, err := f.ipam.Allocate(uid)
	if err != nil {
		return Result{}, fmt.Errorf("network: %w", err)
	}
	return Result{NetNS: filepath.Join(f.dir, "fake-netns", uid), IP: ip}, nil
}

// Teardown releases uid's IP.
func (f *Fake) Teardown(uid string) error { return f.ipam.Release(uid) }

// Pods returns the UIDs holding an IP.
func (f *Fake) Pods() ([]string, error) {
	all, err := f.ipam.Allocations()
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	out := make([]string, 0, len(all))
	for _, uid := range all {
		out = append(out, uid)
	}
	return out, nil
}
