// Package crilog writes container output as the CRI log format upstream's
// container runtimes write and the kubelet reads, and rotates it by size:
//
//	2016-10-06T00:17:09.669794202Z stdout F a whole line
//	2016-10-06T00:17:09.669794202Z stderr P the first 16 KiB of a longer line
//
// A File is one container attempt's <n>.log; its Stream writers (stdout,
// stderr) cut their input into lines, lines longer than MaxLineSize into
// partial ("P") pieces, and a last line without newline is partial too.
// When a write would take the file past MaxSize it is renamed
// <n>.log.<YYYYMMDD-hhmmss> and a new one started; at most MaxFiles files
// (the current one included) are kept, the oldest removed first.
package crilog

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// MaxLineSize is the longest piece written on one log line (upstream's
// maxContainerLogLineSize).
const MaxLineSize = 16 * 1024

// TimeFormat is the timestamp of every line (fixed width, UTC).
const TimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// RotatedTimeFormat suffixes rotated files, as upstream's log manager.
const RotatedTimeFormat = "20060102-150405"

// Tags of full and partial lines.
const (
	TagFull    = "F"
	TagPartial = "P"
)

// Options configure a File.
type Options struct {
	// MaxSize (bytes) triggers rotation; 0 never rotates.
	MaxSize int64
	// MaxFiles is how many files are kept, the current one included
	// (default 5, at least 2).
	MaxFiles int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// File is one container log; its streams may be written concurrently.
type File struct {
	path string
	opts Options

	mu   sync.Mutex
	f    *os.File
	size int64
	err  error // the first write error, reported by Close
}

// Open opens (appending) or creates the log file at path.
func Open(path string, o Options) (*File, error) {
	if o.MaxFiles == 0 {
		o.MaxFiles = 5
	}
	if o.MaxFiles < 2 {
		o.MaxFiles = 2
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("crilog: %w", err)
	}
	lf := &File{path: path, opts: o}
	if err := lf.open(); err != nil {
		return nil, err
	}
	return lf, nil
}

func (lf *File) open() error {
	f, err := os.OpenFile(lf.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("crilog: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("crilog: %w", err)
	}
	lf.f, lf.size = f, st.Size()
	return nil
}

// Stream returns the writer of one stream ("stdout" or "stderr"). Its
// Write never fails (a container must not block on its log); errors are
// reported by File.Close. Close the stream to write a pending partial line.
func (lf *File) Stream(name string) io.WriteCloser {
	return &lineWriter{lf: lf, stream: name}
}

// Close closes the file and returns the first error met while writing.
func (lf *File) Close() error {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	if lf.f != nil {
		if err := lf.f.Close(); err != nil && lf.err == nil {
			lf.err = err
		}
		lf.f = nil
	}
	return lf.err
}

// writeLine appends one log line, rotating first if it would not fit.
func (lf *File) writeLine(stream, tag string, content []byte) {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	if lf.f == nil {
		return
	}
	now := lf.opts.Now()
	line := make([]byte, 0, len(TimeFormat)+len(stream)+len(content)+5)
	line = now.UTC().AppendFormat(line, TimeFormat)
	line = append(append(append(append(line, ' '), stream...), ' '), tag...)
	line = append(append(append(line, ' '), content...), '\n')
	if lf.opts.MaxSize > 0 && lf.size > 0 && lf.size+int64(len(line)) > lf.opts.MaxSize {
		if err := lf.rotate(now); err != nil {
			lf.fail(err)
			if lf.f == nil {
				return
			}
		}
	}
	n, err := lf.f.Write(line)
	lf.size += int64(n)
	lf.fail(err)
}

func (lf *File) fail(err error) {
	if err != nil && lf.err == nil {
		lf.err = fmt.Errorf("crilog: %s: %w", lf.path, err)
	}
}

// rotate renames the file <path>.<time>, opens a new one and removes the
// oldest rotated files beyond MaxFiles-1.
func (lf *File) rotate(now time.Time) error {
	if err := lf.f.Close(); err != nil {
		lf.fail(err)
	}
	lf.f = nil
	stamp := now.UTC().Format(RotatedTimeFormat)
	target, seq := lf.path+"."+stamp, 0
	prev, err := rotated(lf.path)
	if err != nil {
		return err
	}
	for _, r := range prev {
		if r.stamp == stamp {
			// Several rotations in one second: number them on, never
			// reusing a number (the newest must sort last).
			seq = max(seq, r.n+1)
		}
	}
	if seq > 0 || exists(target) {
		target = fmt.Sprintf("%s.%d", target, max(seq, 1))
	}
	if err := os.Rename(lf.path, target); err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	if err := lf.open(); err != nil {
		return err
	}
	old, err := Rotated(lf.path)
	if err != nil {
		return err
	}
	for len(old) > lf.opts.MaxFiles-1 {
		if err := os.Remove(old[0]); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("rotate: %w", err)
		}
		old = old[1:]
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// Rotated returns the rotated files of the log at path, oldest first.
func Rotated(path string) ([]string, error) {
	files, err := rotated(path)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out, nil
}

// rotatedFile is <log>.<stamp>[.<n>].
type rotatedFile struct {
	path, stamp string
	n           int
}

func rotated(path string) ([]rotatedFile, error) {
	matches, err := filepath.Glob(escapeGlob(path) + ".*")
	if err != nil {
		return nil, fmt.Errorf("crilog: %w", err)
	}
	var files []rotatedFile
	for _, m := range matches {
		suffix := strings.TrimPrefix(m, path+".")
		stamp, seq, _ := strings.Cut(suffix, ".")
		if _, err := time.Parse(RotatedTimeFormat, stamp); err != nil {
			continue // not ours (e.g. .gz from another tool)
		}
		n := 0
		if seq != "" {
			if _, err := fmt.Sscanf(seq, "%d", &n); err != nil {
				continue
			}
		}
		files = append(files, rotatedFile{m, stamp, n})
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i].stamp != files[j].stamp {
			return files[i].stamp < files[j].stamp
		}
		return files[i].n < files[j].n
	})
	return files, nil
}

// escapeGlob quotes the glob metacharacters of a path.
func escapeGlob(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// lineWriter cuts one stream into log lines.
type lineWriter struct {
	lf     *File
	stream string
	mu     sync.Mutex
	buf    []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	rest := w.buf
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		w.full(bytes.TrimSuffix(rest[:i], []byte("\r")))
		rest = rest[i+1:]
	}
	for len(rest) > MaxLineSize {
		w.lf.writeLine(w.stream, TagPartial, rest[:MaxLineSize])
		rest = rest[MaxLineSize:]
	}
	w.buf = append(w.buf[:0], rest...)
	return len(p), nil
}

// full writes one complete line, its first pieces partial if long.
func (w *lineWriter) full(line []byte) {
	for len(line) > MaxLineSize {
		w.lf.writeLine(w.stream, TagPartial, line[:MaxLineSize])
		line = line[MaxLineSize:]
	}
	w.lf.writeLine(w.stream, TagFull, line)
}

// Close writes what is left of an unterminated last line, as partial.
func (w *lineWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.lf.writeLine(w.stream, TagPartial, w.buf)
		w.buf = nil
	}
	return nil
}
