package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"

	"github.com/wharfhq/wharf/apiserver/internal/codec"
	"github.com/wharfhq/wharf/proto/api"
)

// renderMode is the representation the client asked for in Accept.
type renderMode int

const (
	renderObject renderMode = iota
	renderTable
	renderPartial
)

// render says how to encode the response of one request.
type render struct {
	mode renderMode
	// includeObject is the Table rows' object: "Metadata" (default),
	// "Object" or "None".
	includeObject string
}

// parseRender reads the Accept header and includeObject parameter.
func parseRender(hr *http.Request) render {
	rd := render{includeObject: hr.URL.Query().Get("includeObject")}
	if rd.includeObject == "" {
		rd.includeObject = "Metadata"
	}
	for _, part := range strings.Split(hr.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch {
		case params["as"] == "Table" && params["g"] == "meta.k8s.io":
			rd.mode = renderTable
			return rd
		case (params["as"] == "PartialObjectMetadata" || params["as"] == "PartialObjectMetadataList") && params["g"] == "meta.k8s.io":
			rd.mode = renderPartial
			return rd
		case params["as"] == "" && (mt == "application/json" || mt == "*/*" || mt == "application/*" || mt == "application/yaml"):
			return rd
		}
	}
	return rd
}

// item is one object of a response: obj, raw (its JSON with
// resourceVersion) or both.
type item struct {
	obj api.Object
	raw []byte
}

// json returns the object's JSON.
func (it item) json() ([]byte, error) {
	if it.raw != nil {
		return it.raw, nil
	}
	b, err := json.Marshal(it.obj)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", it.obj.GetName(), err)
	}
	return b, nil
}

// object returns the decoded object, decoding raw when needed.
func (it *item) object(info *api.Info) (api.Object, error) {
	if it.obj == nil {
		o := info.New()
		if err := json.Unmarshal(it.raw, o); err != nil {
			return nil, fmt.Errorf("decode %s: %w", info.Kind, err)
		}
		o.GetObjectKind().SetGroupVersionKind(info.GVK())
		it.obj = o
	}
	return it.obj, nil
}

// withRV returns stored (an object's JSON as codec.Encode wrote it, so
// without resourceVersion) with metadata.resourceVersion = rev, or nil if
// stored does not have the expected shape.
func withRV(stored []byte, rev int64) []byte { return codec.WithResourceVersion(stored, rev) }

// writeJSON writes a pre-encoded body.
func writeJSON(w http.ResponseWriter, code int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// writeItem writes one object in the representation rd asks for.
func (s *Server) writeItem(w http.ResponseWriter, hr *http.Request, r *request, code int, it item) {
	b, err := s.encodeItem(r.info, parseRender(hr), it)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	writeJSON(w, code, b)
}

func (s *Server) encodeItem(info *api.Info, rd render, it item) ([]byte, error) {
	switch rd.mode {
	case renderTable:
		t, err := s.table(info, rd, []item{it})
		if err != nil {
			return nil, err
		}
		return json.Marshal(t)
	case renderPartial:
		o, err := it.object(info)
		if err != nil {
			return nil, err
		}
		return json.Marshal(partial(o))
	}
	return it.json()
}

// partial returns obj's PartialObjectMetadata.
func partial(obj api.Object) *metav1.PartialObjectMetadata {
	p := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: "meta.k8s.io/v1"}}
	if acc, ok := obj.(metav1.ObjectMetaAccessor); ok {
		if m, ok := acc.GetObjectMeta().(*metav1.ObjectMeta); ok {
			p.ObjectMeta = *m
		}
	}
	return p
}

// table builds the meta.k8s.io/v1 Table of items.
func (s *Server) table(info *api.Info, rd render, items []item) (*metav1.Table, error) {
	st := s.strategy(info)
	t := &metav1.Table{
		TypeMeta:          metav1.TypeMeta{Kind: "Table", APIVersion: "meta.k8s.io/v1"},
		ColumnDefinitions: st.TableColumns(),
		Rows:              make([]metav1.TableRow, 0, len(items)),
	}
	for i := range items {
		o, err := items[i].object(info)
		if err != nil {
			return nil, err
		}
		row := metav1.TableRow{Cells: st.TableRow(o)}
		switch rd.includeObject {
		case "Object":
			b, err := items[i].json()
			if err != nil {
				return nil, err
			}
			row.Object = k8sruntime.RawExtension{Raw: b}
		case "None":
		default:
			b, err := json.Marshal(partial(o))
			if err != nil {
				return nil, err
			}
			row.Object = k8sruntime.RawExtension{Raw: b}
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// listMeta is the metadata of a list response.
type listMeta struct {
	rv        int64
	cont      string
	remaining *int64
}

// writeList writes items as a <Kind>List, Table or PartialObjectMetadataList.
func (s *Server) writeList(w http.ResponseWriter, hr *http.Request, r *request, lm listMeta, items []item) {
	rd := parseRender(hr)
	meta := metav1.ListMeta{ResourceVersion: strconv.FormatInt(lm.rv, 10), Continue: lm.cont, RemainingItemCount: lm.remaining}
	if rd.mode == renderTable {
		t, err := s.table(r.info, rd, items)
		if err != nil {
			s.writeError(w, hr, err)
			return
		}
		t.ListMeta = meta
		b, err := json.Marshal(t)
		if err != nil {
			s.writeError(w, hr, err)
			return
		}
		writeJSON(w, http.StatusOK, b)
		return
	}
	kind, apiVersion := r.info.Kind+"List", r.info.APIVersion()
	if rd.mode == renderPartial {
		kind, apiVersion = "PartialObjectMetadataList", "meta.k8s.io/v1"
	}
	encoded, err := encodeItems(r.info, rd, items)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	mb, _ := json.Marshal(&meta)
	var buf bytes.Buffer
	size := 128
	for _, b := range encoded {
		size += len(b) + 1
	}
	buf.Grow(size)
	fmt.Fprintf(&buf, `{"kind":%q,"apiVersion":%q,"metadata":%s,"items":[`, kind, apiVersion, mb)
	for i, b := range encoded {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(b)
	}
	buf.WriteString("]}\n")
	writeJSON(w, http.StatusOK, buf.Bytes())
}

// encodeItems encodes items, in parallel for long lists.
func encodeItems(info *api.Info, rd render, items []item) ([][]byte, error) {
	out := make([][]byte, len(items))
	workers := runtime.GOMAXPROCS(0)
	if len(items) < 256 || workers < 2 {
		workers = 1
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	chunk := (len(items) + workers - 1) / workers
	for wi := 0; wi < workers; wi++ {
		lo, hi := wi*chunk, min((wi+1)*chunk, len(items))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				var err error
				if rd.mode == renderPartial {
					var o api.Object
					if o, err = items[i].object(info); err == nil {
						out[i], err = json.Marshal(partial(o))
					}
				} else {
					out[i], err = items[i].json()
				}
				if err != nil {
					errs[wi] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
