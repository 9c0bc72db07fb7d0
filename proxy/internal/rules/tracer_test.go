package rules

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// tracer is a small interpreter of the iptables subset Render emits: it
// follows a new connection through nat KUBE-SERVICES and, when nothing
// DNATs it, through filter KUBE-SERVICES and KUBE-EXTERNAL-SERVICES.
// "-m statistic" rules branch, so a trace yields every possible outcome.
type tracer struct {
	chains  map[string]map[string][][]string // table -> chain -> rules
	nodeIPs []netip.Addr
}

type packet struct {
	src, dst string
	port     int
	proto    string
}

type traceState struct {
	masq   bool
	dnat   string
	target string // terminal verdict: DNAT, REJECT, DROP, ACCEPT
}

func newTracer(text []byte, nodeIPs ...string) (*tracer, error) {
	t := &tracer{chains: map[string]map[string][][]string{}}
	for _, ip := range nodeIPs {
		t.nodeIPs = append(t.nodeIPs, netip.MustParseAddr(ip))
	}
	table := ""
	for n, line := range strings.Split(string(text), "\n") {
		switch {
		case strings.HasPrefix(line, "*"):
			table = line[1:]
			t.chains[table] = map[string][][]string{}
		case strings.HasPrefix(line, ":"):
			t.chains[table][strings.Fields(line[1:])[0]] = nil
		case strings.HasPrefix(line, "-A "):
			toks, err := tokenize(line)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n+1, err)
			}
			t.chains[table][toks[1]] = append(t.chains[table][toks[1]], toks[2:])
		}
	}
	return t, nil
}

func tokenize(line string) ([]string, error) {
	var out []string
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
		if line[0] != '"' {
			i := strings.IndexByte(line, ' ')
			if i < 0 {
				i = len(line)
			}
			out = append(out, line[:i])
			line = line[i:]
			continue
		}
		q, err := strconv.QuotedPrefix(line)
		if err != nil {
			return nil, err
		}
		s, _ := strconv.Unquote(q)
		out = append(out, s)
		line = line[len(q):]
	}
	return out, nil
}

// trace returns the sorted distinct outcomes of p: "ip:port" (plus
// " masq" when masqueraded), "REJECT", "DROP" or "none".
func (t *tracer) trace(p packet) ([]string, error) {
	states, err := t.walk(p, "nat", "KUBE-SERVICES", traceState{}, 0)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range states {
		r, err := t.finish(p, s)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (t *tracer) finish(p packet, s traceState) (string, error) {
	if s.target == "DNAT" {
		if s.masq {
			return s.dnat + " masq", nil
		}
		return s.dnat, nil
	}
	for _, chain := range []string{"KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES"} {
		fs, err := t.walk(p, "filter", chain, traceState{}, 0)
		if err != nil {
			return "", err
		}
		if len(fs) != 1 {
			return "", fmt.Errorf("filter %s branched", chain)
		}
		if fs[0].target != "" {
			return fs[0].target, nil
		}
	}
	return "none", nil
}

// walk runs chain from the state s; it returns the states in which the
// chain was left (terminated ones have target set).
func (t *tracer) walk(p packet, table, chain string, s traceState, depth int) ([]traceState, error) {
	rules, ok := t.chains[table][chain]
	if !ok || depth > 10 {
		return nil, fmt.Errorf("%s: no chain %s (or loop)", table, chain)
	}
	cur := []traceState{s}
	for _, r := range rules {
		var next []traceState
		for _, st := range cur {
			if st.target != "" {
				next = append(next, st)
				continue
			}
			res, err := t.rule(p, table, r, st, depth)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", chain, strings.Join(r, " "), err)
			}
			next = append(next, res...)
		}
		cur = next
	}
	for i := range cur {
		if cur[i].target == "RETURN" {
			cur[i].target = ""
		}
	}
	return cur, nil
}
