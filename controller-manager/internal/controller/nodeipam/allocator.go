package nodeipam

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
)

// ErrFull is returned when every node CIDR of the cluster CIDR is taken.
var ErrFull = errors.New("no remaining node CIDRs in the cluster CIDR")

// Allocator hands out the node-sized subnets of a cluster CIDR, each to
// at most one node. It is not safe for concurrent use.
type Allocator struct {
	base    netip.Prefix
	mask    int
	count   int
	used    map[int]string // subnet index -> node
	byNode  map[string]int
	nextIdx int
}

// maxSubnetBits caps the number of subnets (2^16) so the index fits
// comfortably in memory-friendly maps.
const maxSubnetBits = 16

// NewAllocator splits clusterCIDR into /mask subnets.
func NewAllocator(clusterCIDR string, mask int) (*Allocator, error) {
	p, err := netip.ParsePrefix(clusterCIDR)
	if err != nil {
		return nil, fmt.Errorf("invalid cluster CIDR %q: %w", clusterCIDR, err)
	}
	p = p.Masked()
	if mask < p.Bits() || mask > p.Addr().BitLen() {
		return nil, fmt.Errorf("node CIDR mask size %d must be between %d and %d for cluster CIDR %s", mask, p.Bits(), p.Addr().BitLen(), p)
	}
	if mask-p.Bits() > maxSubnetBits {
		return nil, fmt.Errorf("node CIDR mask size %d splits %s into more than 2^%d subnets", mask, p, maxSubnetBits)
	}
	return &Allocator{base: p, mask: mask, count: 1 << (mask - p.Bits()), used: map[int]string{}, byNode: map[string]int{}}, nil
}

// subnet returns the index-th subnet.
func (a *Allocator) subnet(index int) netip.Prefix {
	b := a.base.Addr().AsSlice()
	n := new(big.Int).SetBytes(b)
	n.Add(n, new(big.Int).Lsh(big.NewInt(int64(index)), uint(a.base.Addr().BitLen()-a.mask)))
	out := n.FillBytes(make([]byte, len(b)))
	addr, _ := netip.AddrFromSlice(out)
	return netip.PrefixFrom(addr, a.mask)
}

// index returns the subnet index of cidr, which must be one of a's subnets.
func (a *Allocator) index(cidr string) (int, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return 0, fmt.Errorf("invalid pod CIDR %q: %w", cidr, err)
	}
	if p.Bits() != a.mask || !a.base.Contains(p.Addr()) || p.Masked() != p {
		return 0, fmt.Errorf("pod CIDR %s is not a /%d subnet of %s", cidr, a.mask, a.base)
	}
	off := new(big.Int).Sub(new(big.Int).SetBytes(p.Addr().AsSlice()), new(big.Int).SetBytes(a.base.Addr().AsSlice()))
	return int(off.Rsh(off, uint(a.base.Addr().BitLen()-a.mask)).Int64()), nil
}

// Occupy records that node holds cidr (found on the node at start or
// written earlier). It fails if another node holds it.
func (a *Allocator) Occupy(node, cidr string) error {
	i, err := a.index(cidr)
	if err != nil {
		return err
	}
	if owner, ok := a.used[i]; ok && owner != node {
		return fmt.Errorf("pod CIDR %s of node %s is already assigned to node %s", cidr, node, owner)
	}
	if old, ok := a.byNode[node]; ok && old != i {
		delete(a.used, old)
	}
	a.used[i], a.byNode[node] = node, i
	return nil
}

// Allocate returns node's subnet, choosing a free one if it has none.
func (a *Allocator) Allocate(node string) (string, error) {
	if i, ok := a.byNode[node]; ok {
		return a.subnet(i).String(), nil
	}
	for n := 0; n < a.count; n++ {
		i := (a.nextIdx + n) % a.count
		if _, taken := a.used[i]; !taken {
			a.used[i], a.byNode[node] = node, i
			a.nextIdx = (i + 1) % a.count
			return a.subnet(i).String(), nil
		}
	}
	return "", ErrFull
}

// Release frees node's subnet, if it has one.
func (a *Allocator) Release(node string) {
	if i, ok := a.byNode[node]; ok {
		delete(a.used, i)
		delete(a.byNode, node)
	}
}

// Holder returns the node holding cidr, if any.
func (a *Allocator) Holder(cidr string) (string, bool) {
	i, err := a.index(cidr)
	if err != nil {
		return "", false
	}
	n, ok := a.used[i]
	return n, ok
}
