package server

import (
	"encoding/json"
	"fmt"
	"net/http"

	jsonpatch "github.com/evanphx/json-patch/v5"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"

	"github.com/wharfhq/wharf/proto/api"
)

// Patch media types.
const (
	mergePatch     = "application/merge-patch+json"
	jsonPatch      = "application/json-patch+json"
	strategicPatch = "application/strategic-merge-patch+json"
	applyPatch     = "application/apply-patch+yaml"
)

var patchTypes = []string{jsonPatch, mergePatch, strategicPatch, applyPatch}

// patcher applies one PATCH body to JSON documents.
type patcher struct {
	kind   string
	body   []byte // JSON (apply bodies are converted from YAML)
	schema any    // typed struct for strategic merge
	jp     jsonpatch.Patch
}

// newPatcher checks the patch media type (415 otherwise) and body.
func newPatcher(mt string, body []byte, schema any) (*patcher, error) {
	p := &patcher{kind: mt, body: body, schema: schema}
	var err error
	switch mt {
	case mergePatch, strategicPatch:
		if !json.Valid(body) {
			return nil, apierrors.NewBadRequest("error decoding patch: the body is not valid JSON")
		}
	case jsonPatch:
		if p.jp, err = jsonpatch.DecodePatch(body); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding patch: %v", err))
		}
	case applyPatch:
		if p.body, err = yaml.YAMLToJSON(body); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding YAML: %v", err))
		}
	default:
		return nil, newUnsupportedMediaType(mt, patchTypes)
	}
	return p, nil
}

// apply returns doc with the patch applied. Server-side apply's common
// path merges the applied configuration like a strategic merge patch.
func (p *patcher) apply(doc []byte) ([]byte, error) {
	var out []byte
	var err error
	switch p.kind {
	case mergePatch:
		out, err = jsonpatch.MergePatch(doc, p.body)
	case jsonPatch:
		out, err = p.jp.Apply(doc)
		if err != nil {
			return nil, invalidPatch(err)
		}
	default:
		out, err = strategicpatch.StrategicMergePatch(doc, p.body, p.schema)
	}
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error applying patch: %v", err))
	}
	return out, nil
}

func invalidPatch(err error) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusUnprocessableEntity, Reason: metav1.StatusReasonInvalid,
		Message: fmt.Sprintf("the server rejected our request due to an error in our request: %v", err),
	}}
}

func (s *Server) handlePatch(w http.ResponseWriter, hr *http.Request, r *request) {
	if err := s.patch(w, hr, r); err != nil {
		s.writeError(w, hr, err)
	}
}

func (s *Server) patch(w http.ResponseWriter, hr *http.Request, r *request) error {
	if r.name == "" || (r.subresource != "" && r.subresource != "status") {
		return apierrors.NewMethodNotSupported(r.gr(), "patch")
	}
	dry, err := isDryRun(hr)
	if err != nil {
		return err
	}
	body, err := s.readBody(w, hr)
	if err != nil {
		return err
	}
	p, err := newPatcher(mediaType(hr), body, r.info.New())
	if err != nil {
		return err
	}
	if p.kind == applyPatch && hr.URL.Query().Get("fieldManager") == "" {
		return apierrors.NewBadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
	}
	it, err := s.guaranteedUpdate(hr.Context(), r, r.name, updateOpts{status: r.subresource == "status", dryRun: dry},
		func(cur api.Object) (api.Object, error) { return s.patchObject(w, hr, r, p, cur) })
	if p.kind == applyPatch && r.subresource == "" && apierrors.IsNotFound(err) {
		obj, err := s.decodeApplied(w, hr, r, p.body)
		if err != nil {
			return err
		}
		if it, err = s.createObject(hr.Context(), r, obj, dry); err != nil {
			return err
		}
		s.writeItem(w, hr, r, http.StatusCreated, it)
		return nil
	}
	if err != nil {
		return err
	}
	s.writeItem(w, hr, r, http.StatusOK, it)
	return nil
}

// patchObject applies p to cur and decodes the result.
func (s *Server) patchObject(w http.ResponseWriter, hr *http.Request, r *request, p *patcher, cur api.Object) (api.Object, error) {
	doc, err := json.Marshal(cur)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", r.name, err)
	}
	out, err := p.apply(doc)
	if err != nil {
		return nil, err
	}
	obj := r.info.New()
	if err := decodeInto(w, hr, out, obj); err != nil {
		return nil, err
	}
	if err := checkKind(r.info, obj); err != nil {
		return nil, err
	}
	if err := checkNamespace(r, obj); err != nil {
		return nil, err
	}
	if obj.GetName() != r.name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", obj.GetName(), r.name))
	}
	// A resourceVersion the patch left alone is no precondition.
	if obj.GetResourceVersion() == cur.GetResourceVersion() {
		obj.SetResourceVersion("")
	}
	keepSystemFields(obj, cur)
	return obj, nil
}

// decodeApplied decodes a server-side apply body for creation.
func (s *Server) decodeApplied(w http.ResponseWriter, hr *http.Request, r *request, data []byte) (api.Object, error) {
	obj := r.info.New()
	if err := decodeInto(w, hr, data, obj); err != nil {
		return nil, err
	}
	if err := checkKind(r.info, obj); err != nil {
		return nil, err
	}
	if err := checkNamespace(r, obj); err != nil {
		return nil, err
	}
	if obj.GetName() != r.name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", obj.GetName(), r.name))
	}
	return obj, nil
}
