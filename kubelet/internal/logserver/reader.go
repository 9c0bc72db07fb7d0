package logserver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/wharfhq/wharf/kubelet/internal/crilog"
)

// logChain is an attempt's log files, oldest first: the rotated ones,
// then the current one.
func logChain(path string) ([]string, error) {
	rotated, err := crilog.Rotated(path)
	if err != nil {
		return nil, err
	}
	return append(rotated, path), nil
}

// writeLog copies the chain's selected lines to w (tailLines and
// sinceTime over every file, rotated ones included), then follows the
// current file if asked.
func writeLog(ctx context.Context, chain []string, w *limitWriter, o logOptions, done func() bool) error {
	start, off := 0, int64(0)
	if o.tail >= 0 && o.since.IsZero() && o.stream == "" {
		// Every raw line is shown: seek to the last tail lines.
		start, off = tailStart(chain, o.tail)
	}
	var ring [][]byte
	emit := func(out []byte) error {
		if o.tail < 0 {
			return w.Write(out)
		}
		ring = append(ring, append([]byte(nil), out...))
		if len(ring) > o.tail {
			ring = ring[1:]
		}
		return nil
	}
	last := len(chain) - 1
	var cur *os.File
	for i := start; i <= last; i++ {
		f, err := os.Open(chain[i])
		if errors.Is(err, os.ErrNotExist) && i < last {
			continue // removed by rotation meanwhile
		} else if err != nil {
			return err
		}
		if i == start && off > 0 {
			if _, err := f.Seek(off, io.SeekStart); err != nil {
				f.Close()
				return err
			}
		}
		if i < last && !o.since.IsZero() && olderThan(f, o.since) {
			f.Close()
			continue
		}
		if err := readLines(f, o, emit, i == last); err != nil {
			f.Close()
			return err
		}
		if i == last {
			cur = f
		} else {
			f.Close()
		}
	}
	defer func() { cur.Close() }()
	for _, l := range ring {
		if err := w.Write(l); err != nil {
			return err
		}
	}
	w.Flush()
	if !o.follow {
		return nil
	}
	return follow(ctx, &cur, chain[last], w, o, done)
}

// olderThan reports whether f was last written before t.
func olderThan(f *os.File, t time.Time) bool {
	st, err := f.Stat()
	return err == nil && st.ModTime().Before(t)
}

// readLines renders f's complete lines through emit; for the current
// file (holdBack) an unterminated last line is left unread, for the
// follower.
func readLines(f *os.File, o logOptions, emit func([]byte) error, holdBack bool) error {
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && (err == nil || !holdBack) {
			if out, ok := render(line, o); ok {
				if werr := emit(out); werr != nil {
					return werr
				}
			}
		}
		if err == io.EOF {
			// The reader consumed f to its end: step back over an
			// unterminated line.
			if holdBack && len(line) > 0 {
				if _, serr := f.Seek(-int64(len(line)), io.SeekCurrent); serr != nil {
					return serr
				}
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// tailStart finds where the last n complete lines of the chain begin:
// the file's index and the offset in it. Lines are counted backwards
// from the end without reading whole files.
func tailStart(chain []string, n int) (int, int64) {
	want := n + 1 // the newline before the first wanted line
	buf := make([]byte, 64<<10)
	for i := len(chain) - 1; i >= 0; i-- {
		f, err := os.Open(chain[i])
		if err != nil {
			continue
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			continue
		}
		for pos := st.Size(); pos > 0; {
			k := min(int64(len(buf)), pos)
			pos -= k
			if _, err := f.ReadAt(buf[:k], pos); err != nil && err != io.EOF {
				break
			}
			for j := k - 1; j >= 0; j-- {
				if buf[j] == '\n' {
					if want--; want == 0 {
						f.Close()
						return i, pos + j + 1
					}
				}
			}
		}
		f.Close()
	}
	return 0, 0
}

// follow streams lines appended to *cur until ctx ends or done says so.
// When the file at path is rotated away, the rest of the old file is
// read and following continues in the new one.
func follow(ctx context.Context, cur **os.File, path string, w *limitWriter, o logOptions, done func() bool) error {
	br := bufio.NewReaderSize(*cur, 64<<10)
	var partial []byte
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	draining := false
	for {
		line, err := br.ReadBytes('\n')
		partial = append(partial, line...)
		if err == nil {
			if out, ok := render(partial, o); ok {
				if werr := w.Write(out); werr != nil {
					return werr
				}
				w.Flush()
			}
			partial = partial[:0]
			continue
		}
		if err != io.EOF {
			return err
		}
		if draining { // the old file is read to its end: switch
			next, oerr := nextInChain(*cur, path)
			if oerr != nil {
				return oerr
			}
			(*cur).Close()
			*cur, draining, partial = next, false, partial[:0]
			br.Reset(next)
			continue
		}
		if rotatedAway(*cur, path) {
			draining = true // read what was written before the rename
			continue
		}
		if done() {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// nextInChain opens the file written after f: the next rotated file
// (the writer may have rotated several times meanwhile) or the current
// one. When f was removed already, every rotated file is newer.
func nextInChain(f *os.File, path string) (*os.File, error) {
	chain, err := logChain(path)
	if err != nil {
		return nil, err
	}
	next := chain[0]
	if st, err := f.Stat(); err == nil {
		for i, p := range chain[:len(chain)-1] {
			if o, err := os.Stat(p); err == nil && os.SameFile(st, o) {
				next = chain[i+1]
				break
			}
		}
	}
	return os.Open(next)
}

// rotatedAway reports whether path now names a file other than f.
func rotatedAway(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && !os.SameFile(a, b)
}
