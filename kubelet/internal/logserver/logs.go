package logserver

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// logOptions are the containerLogs query parameters.
type logOptions struct {
	follow, previous, timestamps bool
	tail                         int // -1 = all
	since                        time.Time
	limit                        int64  // 0 = none
	stream                       string // "stdout", "stderr" or "" (both)
}

func parseOptions(r *http.Request) (logOptions, error) {
	q := r.URL.Query()
	o := logOptions{tail: -1}
	var err error
	b := func(name string) bool {
		v := q.Get(name)
		if v == "" {
			return false
		}
		x, perr := strconv.ParseBool(v)
		if perr != nil {
			err = fmt.Errorf("invalid %s %q", name, v)
		}
		return x
	}
	o.follow, o.previous, o.timestamps = b("follow"), b("previous"), b("timestamps")
	if v := q.Get("tailLines"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 0 {
			return o, fmt.Errorf("invalid tailLines %q", v)
		}
		o.tail = n
	}
	if v := q.Get("sinceSeconds"); v != "" {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n < 1 {
			return o, fmt.Errorf("invalid sinceSeconds %q", v)
		}
		o.since = time.Now().Add(-time.Duration(n) * time.Second)
	} else if v := q.Get("sinceTime"); v != "" {
		t, perr := time.Parse(time.RFC3339, v)
		if perr != nil {
			return o, fmt.Errorf("invalid sinceTime %q", v)
		}
		o.since = t
	}
	switch v := strings.ToLower(q.Get("stream")); v {
	case "", "all":
	case "stdout", "stderr":
		o.stream = v
	default:
		return o, fmt.Errorf("invalid stream %q (want All, Stdout or Stderr)", q.Get("stream"))
	}
	if v := q.Get("limitBytes"); v != "" {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n < 1 {
			return o, fmt.Errorf("invalid limitBytes %q", v)
		}
		o.limit = n
	}
	return o, err
}

func (s *Server) serveLogs(w http.ResponseWriter, r *http.Request) {
	o, err := parseOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ns, pod, ctr := r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container")
	files, err := s.cfg.Source.LogFiles(ns, pod, ctr)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	idx := 0
	if o.previous {
		idx = 1
	}
	if len(files) <= idx {
		msg := fmt.Sprintf("container %q in pod %q is waiting to start", ctr, pod)
		if o.previous {
			msg = fmt.Sprintf("previous terminated container %q in pod %q not found", ctr, pod)
		}
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	chain, err := logChain(files[idx])
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	out := &limitWriter{w: w, left: o.limit}
	if err := writeLog(r.Context(), chain, out, o, s.superseded(ns, pod, ctr, files[idx], o)); err != nil {
		s.cfg.Log.Debug("log stream ended", "pod", ns+"/"+pod, "container", ctr, "err", err)
	}
}

// superseded reports, while following, that a newer attempt's log exists
// (the followed container has ended) or the pod is gone.
func (s *Server) superseded(ns, pod, ctr, path string, o logOptions) func() bool {
	return func() bool {
		if o.previous {
			return true
		}
		files, err := s.cfg.Source.LogFiles(ns, pod, ctr)
		return err != nil || len(files) == 0 || files[0] != path
	}
}

// render turns one log line into output: CRI lines lose their prefix
// (kept as an RFC 3339 timestamp with ?timestamps), partial lines lose
// their newline; ok is false for lines before sinceSeconds.
func render(line []byte, o logOptions) ([]byte, bool) {
	ts, stream, tag, msg, ok := parseCRI(line)
	if !ok {
		return line, true
	}
	if (!o.since.IsZero() && ts.Before(o.since)) || (o.stream != "" && stream != o.stream) {
		return nil, false
	}
	if tag == "P" {
		msg = bytes.TrimSuffix(msg, []byte("\n"))
	}
	if o.timestamps {
		return append([]byte(ts.Format(time.RFC3339Nano)+" "), msg...), true
	}
	return msg, true
}

// parseCRI splits "<time> <stream> <tag> <msg>".
func parseCRI(line []byte) (ts time.Time, stream, tag string, msg []byte, ok bool) {
	parts := bytes.SplitN(line, []byte(" "), 4)
	if len(parts) != 4 {
		return time.Time{}, "", "", nil, false
	}
	ts, err := time.Parse(time.RFC3339Nano, string(parts[0]))
	if err != nil || (string(parts[1]) != "stdout" && string(parts[1]) != "stderr") {
		return time.Time{}, "", "", nil, false
	}
	return ts, string(parts[1]), string(parts[2]), parts[3], true
}

// limitWriter stops after limitBytes and flushes as it goes.
type limitWriter struct {
	w    http.ResponseWriter
	left int64 // 0 = unlimited
	hit  bool
}

func (l *limitWriter) Write(p []byte) error {
	if l.hit {
		return io.EOF
	}
	if l.left > 0 {
		if int64(len(p)) >= l.left {
			p, l.hit = p[:l.left], true
		}
		l.left -= int64(len(p))
	}
	_, err := l.w.Write(p)
	return err
}

func (l *limitWriter) Flush() {
	if f, ok := l.w.(http.Flusher); ok {
		f.Flush()
	}
}
