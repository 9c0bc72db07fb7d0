// Package ipam is the kubelet's host-local IP address manager: it hands out
// pod IPs from the node's podCIDR and keeps every allocation as a file on
// disk, so a restarted kubelet sees exactly what it had.
//
//	<dir>/<cidr with / as _>/<ip>       contains the owner (a pod UID)
//	<dir>/<cidr with / as _>/last       the last IP handed out
//
// The network address, the gateway (first IP) and the broadcast address are
// never handed out. Allocation continues after the last IP handed out, so a
// freed IP is not reused at once (as CNI's host-local).
package ipam

import (
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ErrExhausted is returned when every address of the range is taken.
var ErrExhausted = errors.New("ipam: no free address")

// Store allocates addresses of one subnet. It is safe for concurrent use
// within one process.
type Store struct {
	dir    string
	subnet *net.IPNet
	mu     sync.Mutex
}

// New returns the store for subnet (a CIDR such as "10.244.1.0/24") under dir.
func New(dir, cidr string) (*Store, error) {
	_, subnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil, fmt.Errorf("ipam: %w", err)
	}
	if subnet.IP.To4() == nil {
		return nil, fmt.Errorf("ipam: %s: only IPv4 is supported", cidr)
	}
	if ones, bits := subnet.Mask.Size(); bits-ones < 2 {
		return nil, fmt.Errorf("ipam: %s is too small", cidr)
	}
	d := filepath.Join(dir, strings.ReplaceAll(subnet.String(), "/", "_"))
	if err := os.MkdirAll(d, 0o755); err != nil {
		return nil, fmt.Errorf("ipam: %w", err)
	}
	return &Store{dir: d, subnet: subnet}, nil
}

// Subnet returns the managed subnet.
func (s *Store) Subnet() *net.IPNet { return s.subnet }

// Gateway returns the first address of the subnet (the bridge's).
func (s *Store) Gateway() net.IP { return add(s.subnet.IP, 1) }

// Allocate returns owner's address, allocating one if it has none.
func (s *Store) Allocate(owner string) (net.IP, error) {
	if owner == "" || strings.ContainsAny(owner, "/\n") {
		return nil, fmt.Errorf("ipam: invalid owner %q", owner)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.list()
	if err != nil {
		return nil, err
	}
	for ip, o := range all {
		if o == owner {
			return net.ParseIP(ip).To4(), nil
		}
	}
	start := s.Gateway()
	if last, err := os.ReadFile(filepath.Join(s.dir, "last")); err == nil {
		if ip := net.ParseIP(strings.TrimSpace(string(last))).To4(); ip != nil && s.subnet.Contains(ip) {
			start = ip
		}
	}
	size := s.size()
	offset := s.offset(start)
	for i := 1; i <= size; i++ {
		ip := add(s.subnet.IP, (offset+i)%size)
		if !s.usable(ip) || all[ip.String()] != "" {
			continue
		}
		f, err := os.OpenFile(filepath.Join(s.dir, ip.String()), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("ipam: %w", err)
		}
		_, werr := f.WriteString(owner)
		if err := errors.Join(werr, f.Close()); err != nil {
			return nil, fmt.Errorf("ipam: %w", err)
		}
		_ = os.WriteFile(filepath.Join(s.dir, "last"), []byte(ip.String()), 0o644)
		return ip, nil
	}
	return nil, fmt.Errorf("%w in %s", ErrExhausted, s.subnet)
}

// Release frees every address owner holds; none is not an error.
func (s *Store) Release(owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.list()
	if err != nil {
		return err
	}
	for ip, o := range all {
		if o == owner {
			if err := os.Remove(filepath.Join(s.dir, ip)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("ipam: %w", err)
			}
		}
	}
	return nil
}

// Allocations returns owner by IP.
func (s *Store) Allocations() (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.list()
}

func (s *Store) list() (map[string]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("ipam: %w", err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if net.ParseIP(e.Name()) == nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join(s.dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("ipam: %w", err)
		}
		out[e.Name()] = strings.TrimSpace(string(data))
	}
	return out, nil
}

func (s *Store) size() int {
	ones, bits := s.subnet.Mask.Size()
	if bits-ones > 20 {
		return 1 << 20
	}
	return 1 << (bits - ones)
}

// usable excludes the network, gateway and broadcast addresses.
func (s *Store) usable(ip net.IP) bool {
	bcast := make(net.IP, 4)
	for i := range bcast {
		bcast[i] = s.subnet.IP.To4()[i] | ^s.subnet.Mask[i]
	}
	return s.subnet.Contains(ip) && !ip.Equal(s.subnet.IP) && !ip.Equal(s.Gateway()) && !ip.Equal(bcast)
}

// offset is ip's distance from the network address.
func (s *Store) offset(ip net.IP) int {
	d := new(big.Int).Sub(new(big.Int).SetBytes(ip.To4()), new(big.Int).SetBytes(s.subnet.IP.To4()))
	return int(d.Int64())
}

func add(ip net.IP, n int) net.IP {
	v := new(big.Int).SetBytes(ip.To4())
	v.Add(v, big.NewInt(int64(n)))
	b := v.Bytes()
	out := make(net.IP, 4)
	copy(out[4-min(4, len(b)):], b[max(0, len(b)-4):])
	return out
}
