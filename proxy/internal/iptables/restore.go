package iptables

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
)

// RestoreError is a failed iptables-restore with the input line it blamed.
type RestoreError struct {
	Line int    // 1-based line of the input, 0 if unknown
	Rule string // that line's text
	Err  error
}

func (e *RestoreError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("iptables-restore: %v", e.Err)
	}
	return fmt.Sprintf("iptables-restore: line %d %q: %v", e.Line, e.Rule, e.Err)
}

func (e *RestoreError) Unwrap() error { return e.Err }

var lineRE = regexp.MustCompile(`line:? (\d+)`)

// restore runs one iptables-restore --noflush transaction of text.
func restore(ctx context.Context, run Exec, mode Mode, text []byte) error {
	_, err := run(ctx, text, mode.Command("-restore"), "--noflush", "--counters", "-w", "5")
	if err == nil {
		return nil
	}
	re := &RestoreError{Err: err}
	var ce *CommandError
	if errors.As(err, &ce) {
		if m := lineRE.FindStringSubmatch(ce.Stderr); m != nil {
			re.Line, _ = strconv.Atoi(m[1])
			re.Rule = lineOf(text, re.Line)
		}
	}
	return re
}

func lineOf(text []byte, n int) string {
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for i := 1; sc.Scan(); i++ {
		if i == n {
			return sc.Text()
		}
	}
	return ""
}

// listChains returns the chains of table (from iptables-save) for which keep
// is true. It reads the output as a stream: at 10k services it is tens of
// megabytes, and the chain names are all we want.
func listChains(ctx context.Context, mode Mode, table string, keep func(string) bool) ([]string, error) {
	cmd := exec.CommandContext(ctx, mode.Command("-save"), "-t", table)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("list %s chains: %w", table, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("list %s chains: %w", table, err)
	}
	var chains []string
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) < 2 || line[0] != ':' {
			continue
		}
		if name := string(bytes.Fields(line[1:])[0]); keep(name) {
			chains = append(chains, name)
		}
	}
	if err := errors.Join(sc.Err(), cmd.Wait()); err != nil {
		return nil, fmt.Errorf("list %s chains: %w: %s", table, err, stderr.String())
	}
	return chains, nil
}
