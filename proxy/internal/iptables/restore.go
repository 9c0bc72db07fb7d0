package iptables

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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

// restore runs iptables-restore --noflush on input, streamed into its
// stdin (at 10k services a full sync is tens of megabytes that need not
// be in memory at once), and returns the bytes written. input must write
// the same text again if asked: that is how a failure is mapped back to
// the line it blames.
func restore(ctx context.Context, run Exec, mode Mode, input io.WriterTo) (int64, error) {
	n, err := stream(input, func(r io.Reader) error {
		_, err := run(ctx, r, mode.Command("-restore"), "--noflush", "--counters", "-w", "5")
		return err
	})
	if err == nil {
		return n, nil
	}
	re := &RestoreError{Err: err}
	var ce *CommandError
	if errors.As(err, &ce) {
		if m := lineRE.FindStringSubmatch(ce.Stderr); m != nil {
			re.Line, _ = strconv.Atoi(m[1])
			re.Rule = lineOf(input, re.Line)
		}
	}
	return n, re
}

// stream writes input into a pipe that consume reads, and returns the
// bytes written and the first error of either side.
func stream(input io.WriterTo, consume func(io.Reader) error) (int64, error) {
	pr, pw := io.Pipe()
	type result struct {
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := input.WriteTo(pw)
		_ = pw.CloseWithError(err) // nil: the reader sees EOF
		done <- result{n, err}
	}()
	err := consume(pr)
	// Unblock the writer if the consumer stopped reading early.
	_ = pr.CloseWithError(io.ErrClosedPipe)
	w := <-done
	if err == nil && w.err != nil {
		err = fmt.Errorf("write iptables-restore input: %w", w.err)
	}
	return w.n, err
}

// errFound stops writing once lineCatcher has its line.
var errFound = errors.New("line found")

// lineCatcher keeps the text of line want (1-based) of what is written.
type lineCatcher struct {
	want, line int // line is the number of the line being written
	text       []byte
}

func (l *lineCatcher) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			i = len(p)
		}
		if l.line == l.want {
			l.text = append(l.text, p[:i]...)
		}
		if i == len(p) {
			break
		}
		if l.line == l.want {
			return n, errFound
		}
		l.line++
		p = p[i+1:]
	}
	return n, nil
}

// lineOf writes input again and returns its line n (1-based).
func lineOf(input io.WriterTo, n int) string {
	if s, ok := input.(io.Seeker); ok { // a bytes.Reader: rewind it
		if _, err := s.Seek(0, io.SeekStart); err != nil {
			return ""
		}
	}
	l := &lineCatcher{want: n, line: 1}
	_, _ = input.WriteTo(l)
	return string(l.text)
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
		name := line[1:]
		if i := bytes.IndexByte(name, ' '); i >= 0 {
			name = name[:i]
		}
		if s := string(name); keep(s) {
			chains = append(chains, s)
		}
	}
	if err := errors.Join(sc.Err(), cmd.Wait()); err != nil {
		return nil, fmt.Errorf("list %s chains: %w: %s", table, err, stderr.String())
	}
	return chains, nil
}
