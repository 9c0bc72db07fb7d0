package eventsview

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	jsonpatch "github.com/evanphx/json-patch/v5"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/wharfhq/wharf/apiserver/internal/wire"
)

// patchAttempts bounds the read-patch-update rounds lost to concurrent
// writers.
const patchAttempts = 5

// patch applies a JSON, merge or strategic merge patch to the view of
// the stored Event and stores the result with an update conditional on
// the resourceVersion read; a conflict caused by another writer is
// retried, one the patch asked for (by setting resourceVersion) is not.
func (h *Handler) patch(w http.ResponseWriter, r *http.Request, t target) {
	if t.name == "" {
		wire.WriteError(w, apierrors.NewMethodNotSupported(schemaGR(), r.Method))
		return
	}
	pt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	patch, err := io.ReadAll(http.MaxBytesReader(w, r.Body, wire.DefaultMaxBodyBytes))
	if err != nil {
		wire.WriteError(w, apierrors.NewBadRequest(fmt.Sprintf("unable to read request body: %v", err)))
		return
	}
	for attempt := 1; ; attempt++ {
		cur := newBufferWriter()
		h.core.ServeHTTP(cur, coreRequest(r, http.MethodGet, t.path, url.Values{}, nil))
		if cur.code != http.StatusOK {
			cur.writeTo(w, h.log)
			return
		}
		body, pinned, err := patchedCore(pt, cur.body.Bytes(), patch)
		if err != nil {
			wire.WriteError(w, err)
			return
		}
		out := newBufferWriter()
		h.core.ServeHTTP(out, coreRequest(r, http.MethodPut, t.path, t.query, body))
		if out.code == http.StatusConflict && !pinned && attempt < patchAttempts {
			continue
		}
		out.writeTo(w, h.log)
		return
	}
}

// patchedCore applies patch (of media type pt) to the view of the stored
// core Event and returns the core form of the result; pinned says the
// patch chose the resourceVersion itself.
func patchedCore(pt string, stored, patch []byte) (body []byte, pinned bool, err error) {
	var cur corev1.Event
	if err := json.Unmarshal(stored, &cur); err != nil {
		return nil, false, apierrors.NewInternalError(fmt.Errorf("eventsview: decode stored Event: %w", err))
	}
	view, err := json.Marshal(FromCore(&cur))
	if err != nil {
		return nil, false, apierrors.NewInternalError(err)
	}
	patched, err := applyPatch(pt, view, patch)
	if err != nil {
		return nil, false, err
	}
	var e eventsv1.Event
	if err := json.Unmarshal(patched, &e); err != nil {
		return nil, false, apierrors.NewBadRequest(fmt.Sprintf("the patched object is not an Event: %v", err))
	}
	if err := checkKind(&e); err != nil {
		return nil, false, err
	}
	pinned = e.ResourceVersion != cur.ResourceVersion
	if e.ResourceVersion == "" {
		e.ResourceVersion, pinned = cur.ResourceVersion, false
	}
	body, err = json.Marshal(ToCore(&e))
	if err != nil {
		return nil, false, apierrors.NewInternalError(err)
	}
	return body, pinned, nil
}

func applyPatch(pt string, doc, patch []byte) ([]byte, error) {
	var out []byte
	var err error
	switch pt {
	case "application/json-patch+json":
		var p jsonpatch.Patch
		if p, err = jsonpatch.DecodePatch(patch); err == nil {
			out, err = p.Apply(doc)
		}
	case "application/merge-patch+json":
		out, err = jsonpatch.MergePatch(doc, patch)
	case "application/strategic-merge-patch+json":
		out, err = strategicpatch.StrategicMergePatch(doc, patch, eventsv1.Event{})
	default:
		return nil, unsupportedPatch(pt)
	}
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the patch could not be applied: %v", err))
	}
	return out, nil
}

func unsupportedPatch(pt string) error {
	return apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "patch", schemaGR(), "",
		fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: "+
			"application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got %q)", pt), 0, false)
}

// checkKind refuses a patch that changed apiVersion or kind.
func checkKind(e *eventsv1.Event) error {
	if e.APIVersion != viewGVK.GroupVersion().String() || e.Kind != viewGVK.Kind {
		return apierrors.NewBadRequest("a patch may not change apiVersion or kind")
	}
	return nil
}
