package conntrack

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/wharfhq/wharf/proxy/internal/netnstest"
	"github.com/wharfhq/wharf/proxy/internal/rules"
)

func TestMain(m *testing.M) {
	if netnstest.Inside() == "" && os.Geteuid() == 0 {
		_ = netnstest.CleanLeftovers("wharf-pt-ct-")
	}
	os.Exit(m.Run())
}

// send sends one UDP datagram to addr, creating a conntrack entry.
func send(t *testing.T, addr string) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
}

// flows lists the UDP entries of the namespace as "origDst:port>replySrc".
func flows(t *testing.T) []string {
	t.Helper()
	list, err := netlink.ConntrackTableList(netlink.ConntrackTable, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range list {
		if f.Forward.Protocol == unix.IPPROTO_UDP {
			out = append(out, fmt.Sprintf("%s:%d>%s", f.Forward.DstIP, f.Forward.DstPort, f.Reverse.SrcIP))
		}
	}
	slices.Sort(out)
	return out
}

// TestFlush creates UDP flows in a netns of its own (DNATed to endpoints,
// to a NodePort, and one to a local socket that is not DNATed) and checks
// that each kind of flush deletes exactly its flows.
func TestFlush(t *testing.T) {
	if !netnstest.Reexec(t, "wharf-pt-ct-flush") {
		return
	}
	netnstest.Must(t, "ip", "route", "add", "10.96.0.0/12", "dev", "lo")
	netnstest.Must(t, "ip", "addr", "add", "10.96.0.7/32", "dev", "lo")
	for _, r := range [][]string{
		{"-d", "10.96.0.9", "--dport", "53", "--to-destination", "127.0.0.2:5353"},
		{"-d", "10.96.0.8", "--dport", "53", "--to-destination", "127.0.0.3:5353"},
		{"-d", "127.0.0.1", "--dport", "30053", "--to-destination", "127.0.0.2:5353"},
	} {
		args := append([]string{"-t", "nat", "-A", "OUTPUT", "-p", "udp"}, r[:4]...)
		netnstest.Must(t, "iptables", append(args, "-j", "DNAT", r[4], r[5])...)
	}
	for _, addr := range []string{"10.96.0.9:53", "10.96.0.8:53", "127.0.0.1:30053", "10.96.0.7:53"} {
		send(t, addr)
	}
	all := []string{"10.96.0.7:53>10.96.0.7", "10.96.0.8:53>127.0.0.3", "10.96.0.9:53>127.0.0.2", "127.0.0.1:30053>127.0.0.2"}
	if got := flows(t); !slices.Equal(got, all) {
		t.Fatalf("flows before = %q, want %q", got, all)
	}
	ctx := context.Background()
	steps := []struct {
		flush rules.Flush
		gone  string // "" when nothing may be deleted
	}{
		{rules.Flush{Protocol: rules.UDP, OrigDst: "10.96.0.9", OrigPort: 53, DNAT: "127.0.0.3"}, ""},
		{rules.Flush{Protocol: rules.SCTP, OrigDst: "10.96.0.9", OrigPort: 53, DNAT: "127.0.0.2"}, ""},
		{rules.Flush{Protocol: rules.UDP, OrigDst: "10.96.0.9", OrigPort: 54, DNAT: "127.0.0.2"}, ""},
		{rules.Flush{Protocol: rules.UDP, OrigDst: "10.96.0.8", OrigPort: 53}, ""}, // DNATed: not "not DNATed"
		{rules.Flush{Protocol: rules.UDP, OrigDst: "10.96.0.9", OrigPort: 53, DNAT: "127.0.0.2"}, "10.96.0.9:53>127.0.0.2"},
		{rules.Flush{Protocol: rules.UDP, OrigPort: 30053, DNAT: "127.0.0.2"}, "127.0.0.1:30053>127.0.0.2"},
		{rules.Flush{Protocol: rules.UDP, OrigDst: "10.96.0.7", OrigPort: 53}, "10.96.0.7:53>10.96.0.7"},
	}
	want := all
	for _, s := range steps {
		n, err := Flush(ctx, []rules.Flush{s.flush})
		if err != nil {
			t.Fatalf("flush %+v: %v", s.flush, err)
		}
		if s.gone != "" {
			want = slices.DeleteFunc(slices.Clone(want), func(f string) bool { return f == s.gone })
		}
		if got := flows(t); !slices.Equal(got, want) || int(n) != len(all)-len(want) {
			t.Fatalf("after %+v: %d deleted, flows %q, want %q", s.flush, n, got, want)
		}
		all = want
	}
}

func TestNewFilterRejects(t *testing.T) {
	for _, f := range []rules.Flush{
		{Protocol: "icmp", OrigDst: "10.96.0.1", OrigPort: 53},
		{Protocol: rules.UDP, OrigDst: "10.96.0.1"},
		{Protocol: rules.UDP, OrigDst: "10.96.0.1", OrigPort: 70000},
		{Protocol: rules.UDP, OrigDst: "fd00::1", OrigPort: 53},
		{Protocol: rules.UDP, OrigDst: "10.96.0.1", OrigPort: 53, DNAT: "bogus"},
	} {
		if _, err := NewFilter(f); err == nil {
			t.Errorf("NewFilter(%+v) accepted", f)
		}
		if _, err := Flush(context.Background(), []rules.Flush{f}); err == nil {
			t.Errorf("Flush(%+v) accepted", f)
		}
	}
}
