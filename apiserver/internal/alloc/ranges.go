package alloc

import (
	"fmt"
	"math/big"
	"net"
	"strconv"
	"strings"
)

// Keys of the range records.
const (
	ServiceIPsKey   = "/registry/ranges/serviceips"
	NodePortsKey    = "/registry/ranges/servicenodeports"
	maxIPRangeBits  = 20 // a /12 of IPv4 at most: the bitmap stays ≤ 128 KiB
	DefaultIPRange  = "10.96.0.0/12"
	DefaultNodePort = "30000-32767"
)

// IPRange maps the usable addresses of a CIDR to offsets: offset 0 is the
// first address after the network address; the broadcast address is not
// used.
type IPRange struct {
	CIDR *net.IPNet
	base *big.Int
	size int
}

// ParseIPRange parses an IPv4 CIDR such as 10.96.0.0/12.
func ParseIPRange(s string) (*IPRange, error) {
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		return nil, fmt.Errorf("alloc: service IP range: %w", err)
	}
	ones, bits := n.Mask.Size()
	if n.IP.To4() == nil || bits-ones > maxIPRangeBits || bits-ones < 2 {
		return nil, fmt.Errorf("alloc: service IP range %s: want an IPv4 CIDR between /%d and /30", s, 32-maxIPRangeBits)
	}
	return &IPRange{CIDR: n, base: new(big.Int).SetBytes(n.IP.To4()), size: 1<<(bits-ones) - 2}, nil
}

// Size is the number of usable addresses.
func (r *IPRange) Size() int { return r.size }

// Offset of ip, ok false if ip is not usable in r.
func (r *IPRange) Offset(ip net.IP) (int, bool) {
	v4 := ip.To4()
	if v4 == nil || !r.CIDR.Contains(v4) {
		return 0, false
	}
	off := new(big.Int).Sub(new(big.Int).SetBytes(v4), r.base).Int64() - 1
	if off < 0 || off >= int64(r.size) {
		return 0, false
	}
	return int(off), true
}

// IP at offset i.
func (r *IPRange) IP(i int) net.IP {
	v := new(big.Int).Add(r.base, big.NewInt(int64(i)+1)).Bytes()
	ip := make(net.IP, 4)
	copy(ip[4-len(v):], v)
	return ip
}

// PortRange is a range of node ports.
type PortRange struct {
	Base, Size int
}

// ParsePortRange parses "30000-32767".
func ParsePortRange(s string) (PortRange, error) {
	lo, hi, ok := strings.Cut(s, "-")
	a, err1 := strconv.Atoi(strings.TrimSpace(lo))
	b, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if !ok || err1 != nil || err2 != nil || a < 1 || b > 65535 || a > b {
		return PortRange{}, fmt.Errorf("alloc: node port range %q: want <low>-<high> within 1-65535", s)
	}
	return PortRange{Base: a, Size: b - a + 1}, nil
}

// String is "low-high".
func (r PortRange) String() string { return fmt.Sprintf("%d-%d", r.Base, r.Base+r.Size-1) }

// Offset of port, ok false if outside the range.
func (r PortRange) Offset(port int) (int, bool) {
	if port < r.Base || port >= r.Base+r.Size {
		return 0, false
	}
	return port - r.Base, true
}
