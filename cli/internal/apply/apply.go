// Package apply computes kubectl's client-side apply: the three-way patch
// between the last applied configuration (kept in an annotation), the new
// configuration and the live object.
//
//	original (annotation) ─┐
//	modified (the file)   ─┼─► patch ─► PATCH the live object
//	current  (live)       ─┘
//
// Fields removed from the file since the last apply are deleted; fields set
// by others (controllers, defaults) are left alone.
package apply

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/jsonmergepatch"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// LastAppliedAnnotation holds the configuration of the previous apply.
const LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// WithLastApplied returns the JSON of obj with the last-applied annotation
// set to obj's own configuration (without the annotation), as kubectl
// stores it. obj is not modified.
func WithLastApplied(obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	cfg, err := configuration(obj)
	if err != nil {
		return nil, err
	}
	out := obj.DeepCopy()
	ann := out.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[LastAppliedAnnotation] = string(cfg)
	out.SetAnnotations(ann)
	return out, nil
}

// configuration is obj's JSON without the last-applied annotation.
func configuration(obj *unstructured.Unstructured) ([]byte, error) {
	c := obj.DeepCopy()
	ann := c.GetAnnotations()
	delete(ann, LastAppliedAnnotation)
	if len(ann) == 0 {
		unstructured.RemoveNestedField(c.Object, "metadata", "annotations")
	} else {
		c.SetAnnotations(ann)
	}
	b, err := json.Marshal(c.Object)
	if err != nil {
		return nil, fmt.Errorf("encoding %s %s: %w", obj.GetKind(), obj.GetName(), err)
	}
	return b, nil
}

// Patch computes the patch that takes live to the applied configuration
// modified. typed is an empty Go struct of the kind (e.g. &corev1.Pod{}) for
// a strategic merge patch, or nil for kinds without one (JSON merge patch).
// An empty patch ("{}") means nothing changed.
func Patch(typed any, modified, live *unstructured.Unstructured) ([]byte, types.PatchType, error) {
	withAnn, err := WithLastApplied(modified)
	if err != nil {
		return nil, "", err
	}
	modifiedJSON, err := json.Marshal(withAnn.Object)
	if err != nil {
		return nil, "", err
	}
	currentJSON, err := json.Marshal(live.Object)
	if err != nil {
		return nil, "", err
	}
	originalJSON := []byte(live.GetAnnotations()[LastAppliedAnnotation])
	preconditions := []mergepatch.PreconditionFunc{
		mergepatch.RequireKeyUnchanged("apiVersion"),
		mergepatch.RequireKeyUnchanged("kind"),
		mergepatch.RequireMetadataKeyUnchanged("name"),
	}
	if typed == nil {
		p, err := jsonmergepatch.CreateThreeWayJSONMergePatch(originalJSON, modifiedJSON, currentJSON, preconditions...)
		if err != nil {
			return nil, "", fmt.Errorf("computing merge patch for %s %s: %w", modified.GetKind(), modified.GetName(), err)
		}
		return p, types.MergePatchType, nil
	}
	meta, err := strategicpatch.NewPatchMetaFromStruct(typed)
	if err != nil {
		return nil, "", err
	}
	p, err := strategicpatch.CreateThreeWayMergePatch(originalJSON, modifiedJSON, currentJSON, meta, true, preconditions...)
	if err != nil {
		return nil, "", fmt.Errorf("computing strategic merge patch for %s %s: %w", modified.GetKind(), modified.GetName(), err)
	}
	return p, types.StrategicMergePatchType, nil
}

// IsEmpty reports whether a patch changes nothing.
func IsEmpty(patch []byte) bool {
	return string(patch) == "{}" || len(patch) == 0
}
