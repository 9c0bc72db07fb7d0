package nftables

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wharfhq/wharf/proxy/internal/netnstest"
	"github.com/wharfhq/wharf/proxy/internal/nftables/plan"
	"github.com/wharfhq/wharf/proxy/internal/rules"
	"github.com/wharfhq/wharf/proxy/internal/rules/rulestest"
)

// BenchmarkKernelChange times Sync of one service's change among 10k in
// the kernel (a netns of its own): same endpoint count (its map only) and
// one endpoint more (its map and chain).
func BenchmarkKernelChange(b *testing.B) {
	netnstest.Skip(b)
	ns := nsPrefix + "bench"
	netnstest.Add(b, ns)
	fd, err := unix.Open("/var/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(fd)
	s, err := New(Config{NetNSFd: fd})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	snap := rulestest.Synthetic(10000, 5)
	g := plan.NewGenerator()
	start := time.Now()
	if _, err := s.Sync(ctx, g.Generate(snap)); err != nil {
		b.Fatal(err)
	}
	b.Logf("full sync of 10k services: %v", time.Since(start))
	for _, grow := range []bool{false, true} {
		b.Run(fmt.Sprintf("grow=%v", grow), func(b *testing.B) {
			i := 0
			for b.Loop() {
				k := (i * 7919) % len(snap.Services)
				eps := append([]rules.Endpoint(nil), snap.Services[k].Endpoints...)
				eps[0].IP = fmt.Sprintf("10.99.%d.%d", i/250%250, i%250+1)
				if grow {
					eps = append(eps, rules.Endpoint{IP: fmt.Sprintf("10.98.%d.%d", i/250%250, i%250+1), Port: 8080, Ready: true})
				}
				snap.Services[k].Endpoints = eps
				if res, err := s.Sync(ctx, g.Generate(snap)); err != nil || res.Ports != 1 {
					b.Fatalf("%+v %v", res, err)
				}
				i++
			}
		})
	}
}
