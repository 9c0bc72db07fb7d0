package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/wharfhq/wharf/apiserver/internal/codec"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
)

// cacheWait bounds how long a consistent list waits for the watch cache
// before reading etcd instead.
const cacheWait = 3 * time.Second

func parseRV(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid resource version %q", s))
	}
	return n, nil
}

func (s *Server) handleGet(w http.ResponseWriter, hr *http.Request, r *request) {
	if r.subresource != "" && r.subresource != "status" {
		s.writeError(w, hr, apierrors.NewMethodNotSupported(r.gr(), "get"))
		return
	}
	it, err := s.getItem(hr.Context(), r, hr.URL.Query().Get("resourceVersion"))
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	s.writeItem(w, hr, r, http.StatusOK, it)
}

// getItem reads one object: from the watch cache for rv "0", else etcd.
func (s *Server) getItem(ctx context.Context, r *request, rv string) (item, error) {
	if _, err := parseRV(rv); err != nil {
		return item{}, err
	}
	key := codec.Key(r.info, r.namespace, r.name)
	if c := s.cache(r.info); c != nil && rv == "0" {
		if o, ok := c.Get(key); ok {
			return item{obj: o}, nil
		}
	}
	kv, err := s.store.Get(ctx, key)
	if err != nil {
		return item{}, storageError(err, r, r.name)
	}
	return storedItem(r, kv)
}

// storedItem makes the response item of a stored value.
func storedItem(r *request, kv storage.KV) (item, error) {
	if raw := withRV(kv.Value, kv.ModRevision); raw != nil {
		return item{raw: raw}, nil
	}
	o, err := codec.Decode(r.info, kv)
	if err != nil {
		return item{}, err
	}
	return item{obj: o}, nil
}

// listParams are the query parameters of a list.
type listParams struct {
	sel     *selector
	limit   int64
	cont    string
	rv      string
	rvMatch string
}

func parseListParams(r *request, q url.Values) (*listParams, error) {
	sel, err := parseSelector(r.info, q.Get("labelSelector"), q.Get("fieldSelector"))
	if err != nil {
		return nil, err
	}
	p := &listParams{sel: sel, cont: q.Get("continue"), rv: q.Get("resourceVersion"), rvMatch: q.Get("resourceVersionMatch")}
	if l := q.Get("limit"); l != "" {
		if p.limit, err = strconv.ParseInt(l, 10, 64); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid limit %q", l))
		}
		p.limit = max(p.limit, 0)
	}
	if _, err := parseRV(p.rv); err != nil {
		return nil, err
	}
	if p.cont != "" && p.rv != "" && p.rv != "0" {
		return nil, apierrors.NewBadRequest("specifying resource version is not allowed when using continue")
	}
	return p, nil
}

func (s *Server) handleList(w http.ResponseWriter, hr *http.Request, r *request) {
	if r.subresource != "" {
		s.writeError(w, hr, apierrors.NewMethodNotSupported(r.gr(), "list"))
		return
	}
	p, err := parseListParams(r, hr.URL.Query())
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	lm, items, err := s.list(hr.Context(), r, p)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	s.writeList(w, hr, r, lm, items)
}

// list serves a list from the watch cache when the request allows it
// (resourceVersion "0", or unset without limit once the cache has caught up
// with etcd), else from etcd.
func (s *Server) list(ctx context.Context, r *request, p *listParams) (listMeta, []item, error) {
	c := s.cache(r.info)
	if c != nil && p.cont == "" && p.rvMatch != "Exact" && (p.rv == "0" || (p.rv == "" && p.limit == 0)) {
		if p.rv == "0" || s.waitCache(ctx, c) {
			objs, rev := c.List(codec.Prefix(r.info, r.namespace))
			items := make([]item, 0, len(objs))
			for _, o := range objs {
				if p.sel.matches(o) {
					items = append(items, item{obj: o})
				}
			}
			return listMeta{rv: rev}, items, nil
		}
	}
	return s.listStore(ctx, r, p)
}

// waitCache waits until c has seen etcd's current revision.
func (s *Server) waitCache(ctx context.Context, c objectCache) bool {
	cur, err := s.store.CurrentRevision(ctx)
	if err != nil {
		return false
	}
	if c.Revision() >= cur {
		return true
	}
	wctx, cancel := context.WithTimeout(ctx, cacheWait)
	defer cancel()
	return c.WaitForRevision(wctx, cur) == nil
}

// continueToken is upstream's continue token.
type continueToken struct {
	APIVersion      string `json:"v"`
	ResourceVersion int64  `json:"rv"`
	StartKey        string `json:"start"`
}

func encodeContinue(rev int64, relKey string) string {
	b, _ := json.Marshal(continueToken{APIVersion: "meta.k8s.io/v1", ResourceVersion: rev, StartKey: relKey})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeContinue(tok string) (continueToken, error) {
	var ct continueToken
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err == nil {
		err = json.Unmarshal(b, &ct)
	}
	if err == nil && (ct.APIVersion != "meta.k8s.io/v1" || ct.ResourceVersion <= 0 || strings.Contains(ct.StartKey, "..")) {
		err = fmt.Errorf("bad token")
	}
	if err != nil {
		return ct, apierrors.NewBadRequest(fmt.Sprintf("continue key is not valid: %v", err))
	}
	return ct, nil
}

// listStore lists from etcd, page by page until limit matching items are
// found, at one revision.
func (s *Server) listStore(ctx context.Context, r *request, p *listParams) (listMeta, []item, error) {
	prefix := codec.Prefix(r.info, r.namespace)
	opts := storage.ListOptions{Limit: p.limit}
	if p.cont != "" {
		ct, err := decodeContinue(p.cont)
		if err != nil {
			return listMeta{}, nil, err
		}
		opts.StartKey, opts.Revision = prefix+ct.StartKey, ct.ResourceVersion
	} else if p.rvMatch == "Exact" {
		opts.Revision, _ = parseRV(p.rv)
	}
	var items []item
	var lastKey string
	var res storage.ListResult
	var err error
	for {
		if res, err = s.store.List(ctx, prefix, opts); err != nil {
			if errors.Is(err, storage.ErrCompacted) && p.cont != "" {
				return listMeta{}, nil, apierrors.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. " +
					"You can start a new list without the continue parameter.")
			}
			return listMeta{}, nil, storageError(err, r, "")
		}
		opts.Revision = res.Revision
		for _, kv := range res.Items {
			if p.limit > 0 && int64(len(items)) == p.limit {
				res.More = true
				break
			}
			lastKey = kv.Key
			it, ok, err := s.matchStored(r, p.sel, kv)
			if err != nil {
				return listMeta{}, nil, err
			}
			if ok {
				items = append(items, it)
			}
		}
		if p.limit == 0 || !res.More || int64(len(items)) >= p.limit {
			break
		}
		opts.StartKey = res.NextKey
	}
	lm := listMeta{rv: opts.Revision}
	if p.limit > 0 && res.More {
		lm.cont = encodeContinue(opts.Revision, strings.TrimPrefix(lastKey, prefix)+"\x00")
	}
	return lm, items, nil
}

// matchStored decodes kv when the selector needs it and reports whether
// it matches.
func (s *Server) matchStored(r *request, sel *selector, kv storage.KV) (item, bool, error) {
	if sel.empty() {
		it, err := storedItem(r, kv)
		return it, err == nil, err
	}
	o, err := codec.Decode(r.info, kv)
	if err != nil {
		return item{}, false, err
	}
	return item{obj: o}, sel.matches(o), nil
}
