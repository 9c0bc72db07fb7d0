package rules

import (
	"fmt"
	"net/netip"
	"strconv"
)

// rule evaluates one rule; a statistic match yields the state twice (taken
// and not taken).
func (t *tracer) rule(p packet, table string, r []string, s traceState, depth int) ([]traceState, error) {
	matched, branch, i, err := t.matches(p, r)
	if err != nil {
		return nil, err
	}
	if !matched {
		return []traceState{s}, nil
	}
	taken, err := t.jump(p, table, r[i:], s, depth)
	if err != nil {
		return nil, err
	}
	if branch {
		return append(taken, s), nil
	}
	return taken, nil
}

// matches evaluates the match part of r; i is the index of "-j".
func (t *tracer) matches(p packet, r []string) (matched, branch bool, i int, err error) {
	matched = true
	for i = 0; i < len(r) && r[i] != "-j"; i++ {
		neg := r[i] == "!"
		if neg {
			i++
		}
		opt, arg := r[i], ""
		if i+1 < len(r) {
			arg = r[i+1]
		}
		ok := true
		switch opt {
		case "-m", "--comment", "--mode", "--seconds", "--name":
			i++
			continue
		case "--reap", "--set":
			continue
		case "--rcheck":
			ok = false // the tracer keeps no affinity state
		case "--probability":
			branch = true
			i++
			continue
		case "-p":
			ok = arg == p.proto
		case "-d", "-s":
			addr := p.dst
			if opt == "-s" {
				addr = p.src
			}
			ok = netip.MustParsePrefix(arg).Contains(netip.MustParseAddr(addr))
		case "--dport":
			ok = arg == strconv.Itoa(p.port)
		case "--dst-type", "--src-type":
			addr := p.dst
			if opt == "--src-type" {
				addr = p.src
			}
			ok = arg == "LOCAL" && t.local(addr)
		default:
			return false, false, 0, fmt.Errorf("tracer: unknown option %q", opt)
		}
		if opt != "-m" && opt != "--rcheck" && opt != "--reap" && opt != "--set" {
			i++
		}
		if ok == neg {
			matched = false
		}
	}
	return matched, branch, i, nil
}

func (t *tracer) local(addr string) bool {
	a := netip.MustParseAddr(addr)
	if a.IsLoopback() {
		return true
	}
	for _, ip := range t.nodeIPs {
		if ip == a {
			return true
		}
	}
	return false
}

func (t *tracer) jump(p packet, table string, j []string, s traceState, depth int) ([]traceState, error) {
	if len(j) < 2 {
		return nil, fmt.Errorf("tracer: rule without target")
	}
	switch j[1] {
	case "DNAT":
		s.target, s.dnat = "DNAT", j[3]
		return []traceState{s}, nil
	case "REJECT", "DROP", "ACCEPT", "RETURN":
		s.target = j[1]
		return []traceState{s}, nil
	case "MARK":
		s.masq = true
		return []traceState{s}, nil
	}
	return t.walk(p, table, j[1], s, depth+1)
}
