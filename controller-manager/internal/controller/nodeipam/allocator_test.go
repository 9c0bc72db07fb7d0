package nodeipam

import (
	"errors"
	"testing"
)

func TestAllocator(t *testing.T) {
	a, err := NewAllocator("10.244.0.0/16", 24)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Occupy("existing", "10.244.0.0/24"); err != nil {
		t.Fatal(err)
	}
	got, _ := a.Allocate("n1")
	if got != "10.244.1.0/24" {
		t.Errorf("first allocation = %s, want 10.244.1.0/24 (10.244.0.0/24 is taken)", got)
	}
	again, _ := a.Allocate("n1")
	if again != got {
		t.Errorf("second allocation for n1 = %s, want the same %s", again, got)
	}
	n2, _ := a.Allocate("n2")
	if n2 != "10.244.2.0/24" {
		t.Errorf("n2 = %s", n2)
	}
	if err := a.Occupy("n3", "10.244.2.0/24"); err == nil {
		t.Error("occupying n2's CIDR for n3 should fail")
	}
	for _, bad := range []string{"10.245.0.0/24", "10.244.0.0/25", "10.244.0.1/24", "nonsense"} {
		if err := a.Occupy("n4", bad); err == nil {
			t.Errorf("Occupy(%q) should fail", bad)
		}
	}
	a.Release("n1")
	if h, ok := a.Holder("10.244.1.0/24"); ok {
		t.Errorf("released CIDR still held by %s", h)
	}
}

func TestAllocatorExhaustionAndReuse(t *testing.T) {
	a, err := NewAllocator("10.0.0.0/30", 31)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := a.Allocate("a")
	y, _ := a.Allocate("b")
	if x == y {
		t.Fatalf("same CIDR twice: %s", x)
	}
	if _, err := a.Allocate("c"); !errors.Is(err, ErrFull) {
		t.Fatalf("third allocation err = %v, want ErrFull", err)
	}
	a.Release("a")
	z, err := a.Allocate("c")
	if err != nil || z != x {
		t.Fatalf("after release got %s, %v; want %s", z, err, x)
	}
}

func TestAllocatorIPv6AndBadConfig(t *testing.T) {
	a, err := NewAllocator("fd00:10:244::/56", 64)
	if err != nil {
		t.Fatal(err)
	}
	a.Allocate("a")
	if got, _ := a.Allocate("b"); got != "fd00:10:244:1::/64" {
		t.Errorf("IPv6 second subnet = %s", got)
	}
	for _, c := range []struct {
		cidr string
		mask int
	}{{"10.244.0.0/16", 8}, {"10.244.0.0/16", 33}, {"bad", 24}, {"10.0.0.0/8", 30}} {
		if _, err := NewAllocator(c.cidr, c.mask); err == nil {
			t.Errorf("NewAllocator(%s, %d) should fail", c.cidr, c.mask)
		}
	}
}
