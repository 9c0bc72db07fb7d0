package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/apiserver/internal/codec"
	"github.com/wharfhq/wharf/proto/api"
)

// watchParams are the query parameters of a watch.
type watchParams struct {
	sel         *selector
	rv          int64
	bookmarks   bool
	sendInitial bool
	noInitial   bool // sendInitialEvents=false
	timeout     time.Duration
}

func parseWatchParams(r *request, hr *http.Request) (*watchParams, error) {
	q := hr.URL.Query()
	sel, err := parseSelector(r.info, q.Get("labelSelector"), q.Get("fieldSelector"))
	if err != nil {
		return nil, err
	}
	if r.name != "" { // legacy /watch/namespaces/<ns>/<res>/<name>
		sel, err = parseSelector(r.info, q.Get("labelSelector"), joinSel(q.Get("fieldSelector"), "metadata.name="+r.name))
		if err != nil {
			return nil, err
		}
	}
	p := &watchParams{sel: sel, bookmarks: isTrue(q.Get("allowWatchBookmarks"))}
	if p.rv, err = parseRV(q.Get("resourceVersion")); err != nil {
		return nil, err
	}
	p.sendInitial = isTrue(q.Get("sendInitialEvents"))
	p.noInitial = q.Get("sendInitialEvents") == "false" && q.Get("resourceVersion") == ""
	// Upstream closes watches after min-request-timeout (1800s) times a
	// random factor in [1, 2) unless the client asks for less.
	p.timeout = time.Duration(1800*(1+rand.Float64())) * time.Second
	if ts := q.Get("timeoutSeconds"); ts != "" {
		n, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || n < 0 {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid timeoutSeconds %q", ts))
		}
		if n > 0 {
			p.timeout = time.Duration(n) * time.Second
		}
	}
	return p, nil
}

func joinSel(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}

// watchStream writes one watch response.
type watchStream struct {
	s       *Server
	w       http.ResponseWriter
	flusher http.Flusher
	info    *api.Info
	rd      render
	lastRev int64
}

func (s *Server) handleWatch(w http.ResponseWriter, hr *http.Request, r *request) {
	c := s.cache(r.info)
	if c == nil || r.subresource != "" {
		s.writeError(w, hr, apierrors.NewMethodNotSupported(r.gr(), "watch"))
		return
	}
	p, err := parseWatchParams(r, hr)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	ctx, cancel := context.WithTimeout(hr.Context(), p.timeout)
	defer cancel()
	prefix := codec.Prefix(r.info, r.namespace)
	var initial []api.Object
	from := p.rv
	if from == 0 {
		if p.sendInitial && hr.URL.Query().Get("resourceVersion") == "" {
			s.waitCache(ctx, c) // a consistent initial state, as upstream
		}
		var objs []api.Object
		objs, from = c.List(prefix)
		for _, o := range objs {
			if !p.noInitial && p.sel.matches(o) {
				initial = append(initial, o)
			}
		}
	}
	wt, err := c.Watch(ctx, from, prefix, p.sel)
	if err != nil && !errors.Is(err, errTooOld) {
		s.writeError(w, hr, err)
		return
	}
	flusher, _ := w.(http.Flusher)
	ws := &watchStream{s: s, w: w, flusher: flusher, info: r.info, rd: parseRender(hr), lastRev: from}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache, private")
	w.WriteHeader(http.StatusOK)
	if err != nil {
		ws.writeTooOld(p.rv, err)
		return
	}
	defer wt.Stop()
	s.cfg.Metrics.WatchOpened(r.info.Group, r.info.Resource)
	defer s.cfg.Metrics.WatchClosed(r.info.Group, r.info.Resource)
	if err := ws.run(ctx, wt, p, initial); err != nil && ctx.Err() == nil {
		s.log.DebugContext(ctx, "watch ended", "resource", r.info.Resource, "err", err)
	}
}

// run streams the initial objects, then events, until ctx ends or the
// watch does.
func (ws *watchStream) run(ctx context.Context, wt eventStream, p *watchParams, initial []api.Object) error {
	start := ws.lastRev
	for _, o := range initial {
		if err := ws.writeObject(watch.Added, o); err != nil {
			return err
		}
	}
	if p.sendInitial && p.bookmarks {
		if err := ws.writeBookmark(start, true); err != nil {
			return err
		}
	}
	ws.flush()
	var tick <-chan time.Time
	if p.bookmarks {
		t := time.NewTicker(ws.s.cfg.BookmarkInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
			if err := ws.writeBookmark(ws.lastRev, false); err != nil {
				return err
			}
		case ev, ok := <-wt.Events():
			if done, err := ws.writeQueued(wt, ev, ok); done {
				return err
			}
		}
		ws.flush()
	}
}

// maxBatch bounds how many queued events are written before one flush.
const maxBatch = 128

// writeQueued writes ev and then whatever else is already queued (up to
// maxBatch), so that under load one flush carries many events instead of
// one syscall per event. done reports that the watch ended.
func (ws *watchStream) writeQueued(wt eventStream, ev watchEvent, ok bool) (done bool, err error) {
	for n := 0; ; n++ {
		if !ok {
			if err := wt.Err(); errors.Is(err, errTooOld) {
				ws.writeTooOld(ws.lastRev, err)
			}
			return true, wt.Err()
		}
		if err := ws.writeEvent(ev); err != nil {
			return true, err
		}
		if n == maxBatch {
			return false, nil
		}
		select {
		case ev, ok = <-wt.Events():
		default:
			return false, nil
		}
	}
}

func (ws *watchStream) flush() {
	if ws.flusher != nil {
		ws.flusher.Flush()
	}
}

func (ws *watchStream) writeEvent(ev watchEvent) error {
	if ev.Revision > ws.lastRev {
		ws.lastRev = ev.Revision
	}
	if ws.rd.mode == renderObject && ev.Frame != nil {
		_, err := ws.w.Write(ev.Frame())
		return err
	}
	return ws.writeObject(ev.Type, ev.Object)
}

// writeObject encodes one event frame for o in the requested rendering.
func (ws *watchStream) writeObject(t watch.EventType, o api.Object) error {
	b, err := ws.s.encodeItem(ws.info, ws.rd, item{obj: o})
	if err != nil {
		return err
	}
	return ws.writeFrame(t, b)
}

func (ws *watchStream) writeFrame(t watch.EventType, obj []byte) error {
	buf := make([]byte, 0, len(obj)+32)
	buf = append(buf, `{"type":"`...)
	buf = append(buf, t...)
	buf = append(buf, `","object":`...)
	buf = append(buf, obj...)
	buf = append(buf, "}\n"...)
	_, err := ws.w.Write(buf)
	return err
}

// writeBookmark sends a BOOKMARK: an empty object of the kind carrying only
// resourceVersion (and the initial-events-end annotation when initialEnd).
func (ws *watchStream) writeBookmark(rev int64, initialEnd bool) error {
	o := ws.info.NewObject()
	o.SetResourceVersion(strconv.FormatInt(rev, 10))
	if initialEnd {
		o.SetAnnotations(map[string]string{"k8s.io/initial-events-end": "true"})
	}
	rd := ws.rd
	if rd.mode == renderTable {
		rd.mode = renderObject
	}
	b, err := ws.s.encodeItem(ws.info, rd, item{obj: o})
	if err != nil {
		return err
	}
	return ws.writeFrame(watch.Bookmark, b)
}

// writeTooOld sends the ERROR event upstream sends for an expired
// resourceVersion: a Status with code 410 and reason Expired.
func (ws *watchStream) writeTooOld(rv int64, err error) {
	oldest := rv
	var o interface{ Oldest() int64 }
	if errors.As(err, &o) {
		oldest = o.Oldest()
	}
	st := apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", rv, oldest)).Status()
	st.Kind, st.APIVersion = "Status", "v1"
	b, _ := json.Marshal(&st)
	_ = ws.writeFrame(watch.Error, b)
	ws.flush()
}
