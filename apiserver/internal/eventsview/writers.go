package eventsview

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
)

// bufferWriter captures a whole answer of the core server.
type bufferWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func newBufferWriter() *bufferWriter { return &bufferWriter{header: http.Header{}} }

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.code == 0 {
		b.code = http.StatusOK
	}
	return b.body.Write(p)
}

// writeTo sends the captured answer to w, its JSON body converted into
// the view.
func (b *bufferWriter) writeTo(w http.ResponseWriter, log *slog.Logger) {
	body := b.body.Bytes()
	if isJSON(b.header) && len(body) > 0 {
		conv, err := convertObject(body)
		if err != nil {
			log.Error("converting an answer to events.k8s.io/v1", "err", err)
		} else {
			body = conv
		}
	}
	copyHeader(w.Header(), b.header)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	code := b.code
	if code == 0 {
		code = http.StatusOK
	}
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// frameWriter converts a watch stream frame by frame as the core server
// writes it. The core server writes from the request's goroutine, so
// frameWriter needs no locking.
type frameWriter struct {
	w       http.ResponseWriter
	log     *slog.Logger
	header  http.Header
	started bool
	json    bool
	partial []byte // an unfinished frame
}

func newFrameWriter(w http.ResponseWriter, log *slog.Logger) *frameWriter {
	return &frameWriter{w: w, log: log, header: http.Header{}}
}

func (f *frameWriter) Header() http.Header { return f.header }

func (f *frameWriter) WriteHeader(code int) {
	if f.started {
		return
	}
	f.started = true
	f.json = isJSON(f.header)
	copyHeader(f.w.Header(), f.header)
	f.w.Header().Del("Content-Length")
	f.w.WriteHeader(code)
}

// Write converts every complete line; a non-streaming answer (an error
// Status) is one object without a newline and is converted by finish.
func (f *frameWriter) Write(p []byte) (int, error) {
	if !f.started {
		f.WriteHeader(http.StatusOK)
	}
	if !f.json {
		return f.w.Write(p)
	}
	f.partial = append(f.partial, p...)
	for {
		i := bytes.IndexByte(f.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := f.partial[:i+1]
		out, err := convertFrame(line)
		if err != nil {
			f.log.Error("converting a watch frame to events.k8s.io/v1", "err", err)
			out = line
		}
		if _, err := f.w.Write(out); err != nil {
			return 0, err
		}
		f.partial = f.partial[i+1:]
	}
}

// Flush passes on the core server's flushes.
func (f *frameWriter) Flush() {
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
}

// finish writes what is left: an object that is not a newline-ended
// frame, such as a Status answering a bad watch.
func (f *frameWriter) finish() {
	if len(f.partial) == 0 {
		return
	}
	out, err := convertObject(f.partial)
	if err != nil {
		out = f.partial
	}
	_, _ = f.w.Write(out)
	f.partial = nil
}

func isJSON(h http.Header) bool {
	ct := h.Get("Content-Type")
	return len(ct) >= len("application/json") && ct[:len("application/json")] == "application/json"
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = append([]string(nil), v...)
	}
}
