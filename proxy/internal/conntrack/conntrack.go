// Package conntrack deletes conntrack entries of UDP flows whose endpoint
// went away (see rules.StaleFlows), with the conntrack(8) tool, in the
// network namespace the process runs in.
package conntrack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wharfhq/wharf/proxy/internal/iptables"
	"github.com/wharfhq/wharf/proxy/internal/rules"
)

// Flush deletes the entries of every flush; run nil means
// iptables.RunCommand. It tries all of them and returns the errors joined.
func Flush(ctx context.Context, run iptables.Exec, flushes []rules.Flush) error {
	if run == nil {
		run = iptables.RunCommand
	}
	var errs []error
	for _, f := range flushes {
		if _, err := run(ctx, nil, "conntrack", Args(f)...); err != nil && !noneDeleted(err) {
			errs = append(errs, fmt.Errorf("conntrack flush %+v: %w", f, err))
		}
	}
	return errors.Join(errs...)
}

// Args are the conntrack(8) arguments deleting f's entries.
func Args(f rules.Flush) []string {
	args := []string{"-D", "-p", string(f.Protocol)}
	if f.OrigDst != "" {
		args = append(args, "--orig-dst", f.OrigDst)
	}
	return append(args, "--orig-port-dst", strconv.Itoa(int(f.OrigPort)), "--dst-nat", f.DNAT)
}

// noneDeleted: conntrack exits 1 when no entry matched.
func noneDeleted(err error) bool {
	var ce *iptables.CommandError
	return errors.As(err, &ce) && strings.Contains(ce.Stderr, "0 flow entries have been deleted")
}
