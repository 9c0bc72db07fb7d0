package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// percentile returns the p-th percentile (0 < p <= 100, nearest rank) of
// ds, or 0 for none. ds is sorted in place.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds))*p/100+0.999999) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// leaseStats accumulates lease ages over the sampling window.
type leaseStats struct {
	ages    []time.Duration
	samples int
	// staleMax is the most leases older than the grace period (or
	// missing) seen in one sample.
	staleMax int
}

// add records one sample of every lease's age and the number missing.
func (s *leaseStats) add(ages []time.Duration, missing int, grace time.Duration) {
	s.samples++
	stale := missing
	for _, a := range ages {
		if a >= grace {
			stale++
		}
	}
	s.ages = append(s.ages, ages...)
	s.staleMax = max(s.staleMax, stale)
}

// row is one line of the result table.
type row struct{ name, value string }

// writeTable prints rows as an aligned two-column table.
func writeTable(w io.Writer, rows []row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "measurement\tvalue\n")
	fmt.Fprintf(tw, "-----------\t-----\n")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", r.name, r.value)
	}
	return tw.Flush()
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
