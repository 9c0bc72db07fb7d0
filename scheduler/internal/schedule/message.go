package schedule

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wharfhq/wharf/scheduler/internal/filter"
)

// FailureMessage builds upstream's FailedScheduling message, e.g.
// "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated
// taint {dedicated: gpu}. preemption: not attempted." Reasons with the same
// message are counted together; the counts are sorted as strings, as
// upstream sorts them.
func FailureMessage(numNodes int, reasons map[string]*filter.Reason) string {
	counts := make(map[string]int)
	for _, r := range reasons {
		counts[r.Message]++
	}
	parts := make([]string, 0, len(counts))
	for msg, c := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", c, msg))
	}
	sort.Strings(parts)
	var b strings.Builder
	fmt.Fprintf(&b, "0/%d nodes are available", numNodes)
	if len(parts) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(parts, ", "))
	}
	b.WriteString(".")
	if numNodes > 0 {
		fmt.Fprintf(&b, " preemption: 0/%d nodes are available: %d Preemption is not helpful for scheduling.", numNodes, numNodes)
	}
	return b.String()
}
