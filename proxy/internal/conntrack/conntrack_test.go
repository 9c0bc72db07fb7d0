package conntrack

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/wharfhq/wharf/proxy/internal/iptables"
	"github.com/wharfhq/wharf/proxy/internal/netnstest"
	"github.com/wharfhq/wharf/proxy/internal/rules"
)

func TestMain(m *testing.M) {
	if netnstest.Inside() == "" && os.Geteuid() == 0 {
		_ = netnstest.CleanLeftovers("wharf-pt-ct-")
	}
	os.Exit(m.Run())
}

func TestFlush(t *testing.T) {
	if !netnstest.Reexec(t, "wharf-pt-ct-flush") {
		return
	}
	if _, err := os.Stat("/usr/sbin/conntrack"); err != nil {
		t.Skip("needs conntrack(8)")
	}
	netnstest.Must(t, "ip", "route", "add", "10.96.0.0/12", "dev", "lo")
	netnstest.Must(t, "iptables", "-t", "nat", "-A", "OUTPUT", "-d", "10.96.0.9", "-p", "udp", "--dport", "53",
		"-j", "DNAT", "--to-destination", "127.0.0.2:5353")
	c, err := net.Dial("udp", "10.96.0.9:53")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	if out := netnstest.Must(t, "conntrack", "-L", "-p", "udp"); !strings.Contains(out, "dst=10.96.0.9") {
		t.Fatalf("no flow to flush:\n%s", out)
	}
	ctx := context.Background()
	other := rules.Flush{Protocol: rules.UDP, OrigDst: "10.96.0.9", OrigPort: 53, DNAT: "127.0.0.3"}
	if err := Flush(ctx, nil, []rules.Flush{other}); err != nil {
		t.Fatal(err)
	}
	if out := netnstest.Must(t, "conntrack", "-L", "-p", "udp"); !strings.Contains(out, "dst=10.96.0.9") {
		t.Fatalf("flushing another endpoint removed the flow:\n%s", out)
	}
	gone := rules.Flush{Protocol: rules.UDP, OrigDst: "10.96.0.9", OrigPort: 53, DNAT: "127.0.0.2"}
	if err := Flush(ctx, nil, []rules.Flush{gone}); err != nil {
		t.Fatal(err)
	}
	if out, _ := iptables.RunCommand(ctx, nil, "conntrack", "-L", "-p", "udp"); strings.Contains(string(out), "dst=10.96.0.9") {
		t.Fatalf("flow survived:\n%s", out)
	}
}
