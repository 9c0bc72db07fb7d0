package rules

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// kernel models the tables iptables-restore --noflush edits: only chains
// declared in an input are flushed; others keep their rules.
type kernel map[string]map[string][]string // table -> chain -> rules

// apply applies restore input as iptables-restore --noflush does, one
// transaction per COMMIT, and checks after each that every KUBE- chain
// jumped to exists and that no deleted chain is still referenced.
func (k kernel) apply(text []byte) error {
	if len(text) == 0 {
		return nil
	}
	table := ""
	for n, line := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "*"):
			table = line[1:]
			if k[table] == nil {
				k[table] = map[string][]string{}
			}
		case strings.HasPrefix(line, ":"):
			k[table][strings.Fields(line[1:])[0]] = []string{}
		case strings.HasPrefix(line, "-A "):
			name, rule, _ := strings.Cut(line[3:], " ")
			if _, ok := k[table][name]; !ok {
				return fmt.Errorf("line %d: append to missing chain %s", n+1, name)
			}
			k[table][name] = append(k[table][name], rule)
		case strings.HasPrefix(line, "-X "):
			name := line[3:]
			if _, ok := k[table][name]; !ok {
				return fmt.Errorf("line %d: delete missing chain %s", n+1, name)
			}
			delete(k[table], name)
		case line == "COMMIT":
			if err := k.check(table); err != nil {
				return fmt.Errorf("line %d: after commit: %w", n+1, err)
			}
		default:
			return fmt.Errorf("line %d: unexpected %q", n+1, line)
		}
	}
	return nil
}

func (k kernel) check(table string) error {
	for name, rules := range k[table] {
		for _, r := range rules {
			f := strings.Fields(r)
			if i := slices.Index(f, "-j"); i >= 0 && strings.HasPrefix(f[i+1], "KUBE-") {
				if _, ok := k[table][f[i+1]]; !ok {
					return fmt.Errorf("%s jumps to missing %s", name, f[i+1])
				}
			}
		}
	}
	return nil
}

// state is the kernel as iptables-save would list it: sorted lines.
func (k kernel) state() string {
	var lines []string
	for table, chains := range k {
		for name, rules := range chains {
			lines = append(lines, table+" :"+name)
			for _, r := range rules {
				lines = append(lines, table+" -A "+name+" "+r)
			}
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// mutate changes a random few service ports of s (a fresh slice; the old
// one is kept by the Renderer) drawn from a pool, adding and removing whole
// services as the proxy's cache does.
func mutate(rng *rand.Rand, pool []ServicePort, s *Snapshot) {
	present := map[string]ServicePort{}
	for _, sp := range s.Services {
		present[sp.Name] = sp
	}
	for range 1 + rng.IntN(3) {
		sp := pool[rng.IntN(len(pool))]
		cur, ok := present[sp.Name]
		switch op := rng.IntN(4); {
		case !ok:
			present[sp.Name] = sp
		case op == 0:
			delete(present, sp.Name)
		case op == 1:
			cur.Endpoints = slices.Clone(cur.Endpoints[:rng.IntN(len(cur.Endpoints)+1)])
			present[sp.Name] = cur
		case op == 2:
			cur.NodePort = int32(30000 + rng.IntN(3))
			present[sp.Name] = cur
		default:
			cur.Endpoints = append(slices.Clone(cur.Endpoints), ep(fmt.Sprintf("10.244.9.%d", rng.IntN(200)), rng.IntN(2) == 0))
			present[sp.Name] = cur
		}
	}
	s.Services = s.Services[:0:0]
	for _, sp := range pool {
		if cur, ok := present[sp.Name]; ok {
			s.Services = append(s.Services, cur)
		}
	}
}

// TestIncrementalSequence applies a long random sequence of snapshots as
// the syncer does (one Renderer, Diff against the compacted previous
// ruleset, batched for nft) to a model kernel, and checks after every step
// that the kernel holds exactly the full rendering of that snapshot. It
// caught a new service's KUBE-SVC chain without its KUBE-SERVICES jump.
func TestIncrementalSequence(t *testing.T) {
	for _, maxLines := range []int{0, 7, 500} {
		t.Run(fmt.Sprint("batch", maxLines), func(t *testing.T) { testSequence(t, maxLines) })
	}
}

func testSequence(t *testing.T, maxLines int) {
	pool := testSnapshot().Services
	for i := range pool {
		pool[i].Name = fmt.Sprintf("%s-%d", pool[i].Name, i)
	}
	rng := rand.New(rand.NewPCG(1, uint64(maxLines)))
	r := NewRenderer()
	s := &Snapshot{ClusterCIDR: "10.244.0.0/16"}
	k := kernel{}
	var prev *Ruleset
	for step := range 400 {
		mutate(rng, pool, s)
		rs := r.Compute(s)
		if err := k.apply(rs.DiffBatched(prev, nil, maxLines)); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		want := kernel{}
		if err := want.apply(Compute(s).Text()); err != nil {
			t.Fatal(err)
		}
		if got, want := k.state(), want.state(); got != want {
			t.Fatalf("step %d: kernel differs from the full rendering:\ngot:\n%s\nwant:\n%s", step, got, want)
		}
		rs.Compact()
		prev = rs
	}
}

// TestNewServiceJump is the e2e failure in small: services are added,
// removed and added again with incremental syncs, batched as for nft, and
// every service must keep its KUBE-SERVICES jump (once).
func TestNewServiceJump(t *testing.T) {
	all := bigSnapshot(40)
	r := NewRenderer()
	k := kernel{}
	var prev *Ruleset
	for step, n := range []int{30, 31, 33, 30, 33, 40} {
		s := &Snapshot{ClusterCIDR: all.ClusterCIDR, Services: all.Services[:n]}
		rs := r.Compute(s)
		if err := k.apply(rs.DiffBatched(prev, nil, 20)); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		rs.Compact()
		prev = rs
		jumps := k[TableNAT][ChainServices]
		if len(jumps) != n+1 {
			t.Fatalf("step %d: KUBE-SERVICES has %d rules, want %d:\n%s", step, len(jumps), n+1, strings.Join(jumps, "\n"))
		}
		for i := range s.Services {
			if want := "-j " + SVCChain(&s.Services[i]); !strings.HasSuffix(jumps[i], want) {
				t.Fatalf("step %d: rule %d of KUBE-SERVICES is %q, want a jump to %s", step, i, jumps[i], want)
			}
		}
	}
}
