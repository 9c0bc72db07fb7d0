package ipam

import (
	"errors"
	"testing"
)

func TestAllocateReleasePersist(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir, "10.244.1.0/29")
	if err != nil {
		t.Fatal(err)
	}
	if gw := s.Gateway().String(); gw != "10.244.1.1" {
		t.Fatalf("gateway = %s", gw)
	}
	seen := map[string]string{}
	for _, owner := range []string{"a", "b", "c", "d", "e"} {
		ip, err := s.Allocate(owner)
		if err != nil {
			t.Fatalf("allocate %s: %v", owner, err)
		}
		if prev, dup := seen[ip.String()]; dup {
			t.Fatalf("%s given to %s and %s", ip, prev, owner)
		}
		seen[ip.String()] = owner
	}
	if _, ok := seen["10.244.1.2"]; !ok {
		t.Errorf("first allocation not .2: %v", seen)
	}
	if _, err := s.Allocate("f"); !errors.Is(err, ErrExhausted) {
		t.Fatalf("6th allocation in a /29: %v", err)
	}
	again, _ := s.Allocate("c")
	if seen[again.String()] != "c" {
		t.Errorf("allocate is not idempotent: c got %s", again)
	}
	// A new Store on the same dir (a restarted kubelet) sees the same state.
	s2, err := New(dir, "10.244.1.0/29")
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Release("c"); err != nil {
		t.Fatal(err)
	}
	ip, err := s2.Allocate("f")
	if err != nil || !ip.Equal(again) {
		t.Fatalf("after release: %v %v, want %s", ip, err, again)
	}
	all, _ := s2.Allocations()
	if len(all) != 5 || all[again.String()] != "f" {
		t.Errorf("allocations = %v", all)
	}
}

func TestBadInput(t *testing.T) {
	for _, cidr := range []string{"nonsense", "10.0.0.0/31", "fd00::/64"} {
		if _, err := New(t.TempDir(), cidr); err == nil {
			t.Errorf("New(%q) accepted", cidr)
		}
	}
	s, _ := New(t.TempDir(), "10.0.0.0/24")
	if _, err := s.Allocate("../x"); err == nil {
		t.Error("owner with a slash accepted")
	}
}
