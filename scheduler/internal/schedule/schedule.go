package schedule

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/wharfhq/wharf/scheduler/internal/filter"
	"github.com/wharfhq/wharf/scheduler/internal/score"
	"github.com/wharfhq/wharf/scheduler/internal/state"
)

const (
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
	// parallelThreshold is the node count under which filtering runs on
	// the calling goroutine; goroutine hand-off costs more than it saves.
	parallelThreshold = 64
	chunkSize         = 16
)

// Config is the scheduling algorithm's configuration.
type Config struct {
	Filters []filter.Named
	Scorers []score.Scorer
	// PercentageOfNodesToScore is 0 for upstream's adaptive default.
	PercentageOfNodesToScore int
	// Parallelism is the number of filter workers; 0 means GOMAXPROCS.
	Parallelism int
	// Tiebreak picks one of n equally good nodes; nil means random.
	Tiebreak func(n int) int
}

// Algorithm schedules pods with a fixed Config. It holds no mutable state
// and is safe for concurrent use.
type Algorithm struct {
	cfg Config
}

// New returns an Algorithm; empty filter or scorer lists get the defaults.
func New(cfg Config) *Algorithm {
	if cfg.Filters == nil {
		cfg.Filters = filter.Default()
	}
	if cfg.Scorers == nil {
		cfg.Scorers = score.Default()
	}
	if cfg.Parallelism <= 0 {
		cfg.Parallelism = runtime.GOMAXPROCS(0)
	}
	if cfg.Tiebreak == nil {
		cfg.Tiebreak = rand.IntN
	}
	return &Algorithm{cfg: cfg}
}

// Result is the outcome of one scheduling attempt.
type Result struct {
	// Node is the chosen node's name, "" when none fits.
	Node string
	// Reasons holds, when Node is "", why each node was rejected.
	Reasons map[string]*filter.Reason
	// NumNodes is the snapshot size; Evaluated how many nodes were filtered;
	// Feasible how many of those fit.
	NumNodes, Evaluated, Feasible int
	// NextStart is where the next attempt should start filtering.
	NextStart int
}

// NumFeasibleToFind returns how many feasible nodes an attempt looks for in
// a cluster of n nodes, given percentage (0 = adaptive), as upstream.
func NumFeasibleToFind(n, percentage int) int {
	if n < minFeasibleNodesToFind || percentage >= 100 {
		return n
	}
	if percentage <= 0 {
		percentage = 50 - n/125
		if percentage < minFeasibleNodesPercentageToFind {
			percentage = minFeasibleNodesPercentageToFind
		}
	}
	num := n * percentage / 100
	if num < minFeasibleNodesToFind {
		return minFeasibleNodesToFind
	}
	return num
}

// Schedule picks a node for pod from snap, filtering from node index start.
// pod.PrepareTopology must have been called on snap when the cluster holds
// pods with anti-affinity (Schedule does it).
func (a *Algorithm) Schedule(snap *state.Snapshot, pod *state.PodInfo, start int) Result {
	n := len(snap.Nodes)
	res := Result{NumNodes: n}
	if n == 0 {
		return res
	}
	pod.PrepareTopology(snap)
	start %= n
	if start < 0 {
		start = 0
	}
	feasible, reasons, evaluated := a.findFeasible(snap, pod, start)
	res.Evaluated, res.Feasible = evaluated, len(feasible)
	res.NextStart = (start + evaluated) % n
	if len(feasible) == 0 {
		res.Reasons = make(map[string]*filter.Reason, n)
		for i, r := range reasons {
			if r != nil {
				res.Reasons[snap.Nodes[(start+i)%n].Name] = r
			}
		}
		return res
	}
	res.Node = a.pick(pod, feasible)
	return res
}

// findFeasible filters nodes in rotation order from start until enough
// feasible nodes are found. reasons is indexed by rotation offset.
func (a *Algorithm) findFeasible(snap *state.Snapshot, pod *state.PodInfo, start int) ([]*state.NodeInfo, []*filter.Reason, int) {
	n := len(snap.Nodes)
	want := NumFeasibleToFind(n, a.cfg.PercentageOfNodesToScore)
	feasible := make([]*state.NodeInfo, want)
	reasons := make([]*filter.Reason, n)
	var found, next, evaluated atomic.Int64
	work := func() {
		for found.Load() < int64(want) {
			lo := next.Add(chunkSize) - chunkSize
			if lo >= int64(n) {
				return
			}
			hi := min(lo+chunkSize, int64(n))
			for off := lo; off < hi; off++ {
				node := snap.Nodes[(start+int(off))%n]
				evaluated.Add(1)
				if r := filter.Run(a.cfg.Filters, pod, node); r != nil {
					reasons[off] = r
					continue
				}
				if k := found.Add(1); k <= int64(want) {
					feasible[k-1] = node
				}
			}
		}
	}
	workers := a.cfg.Parallelism
	if n < parallelThreshold {
		workers = 1
	}
	runParallel(workers, work)
	got := min(int(found.Load()), want)
	return feasible[:got], reasons, int(evaluated.Load())
}

func runParallel(workers int, fn func()) {
	if workers <= 1 {
		fn()
		return
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(fn)
	}
	fn()
	wg.Wait()
}

// pick scores the feasible nodes and returns the best one's name.
func (a *Algorithm) pick(pod *state.PodInfo, feasible []*state.NodeInfo) string {
	if len(feasible) == 1 {
		return feasible[0].Name
	}
	total := make([]int64, len(feasible))
	raw := make([]int64, len(feasible))
	for _, s := range a.cfg.Scorers {
		for i, n := range feasible {
			raw[i] = s.Score(pod, n)
		}
		if s.Normalize != nil {
			s.Normalize(raw)
		}
		for i := range raw {
			total[i] += raw[i] * s.Weight
		}
	}
	best, ties := 0, 1
	for i := 1; i < len(total); i++ {
		switch {
		case total[i] > total[best]:
			best, ties = i, 1
		case total[i] == total[best]:
			ties++
			if a.cfg.Tiebreak(ties) == 0 {
				best = i
			}
		}
	}
	return feasible[best].Name
}
