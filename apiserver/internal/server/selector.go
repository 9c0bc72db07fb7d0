package server

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/proto/api"
)

// selector is a request's label and field selector.
type selector struct {
	info   *api.Info
	labels labels.Selector
	fields fields.Selector
}

// parseSelector parses labelSelector and fieldSelector; fields the
// resource does not support are 400 "field label not supported".
func parseSelector(info *api.Info, labelSel, fieldSel string) (*selector, error) {
	ls, err := labels.Parse(labelSel)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
	}
	fs, err := fields.ParseSelector(fieldSel)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid field selector: %v", err))
	}
	known := info.ObjectFields(info.New())
	for _, req := range fs.Requirements() {
		if _, ok := known[req.Field]; !ok {
			return nil, apierrors.NewBadRequest("field label not supported: " + req.Field)
		}
	}
	return &selector{info: info, labels: ls, fields: fs}, nil
}

// empty reports whether the selector matches everything.
func (s *selector) empty() bool { return s.labels.Empty() && s.fields.Empty() }

// matches reports whether obj passes both selectors.
func (s *selector) matches(obj api.Object) bool {
	if !s.labels.Empty() && !s.labels.Matches(labels.Set(obj.GetLabels())) {
		return false
	}
	if s.fields.Empty() {
		return true
	}
	return s.fields.Matches(fields.Set(s.info.ObjectFields(obj)))
}

// singleName returns the name the field selector pins with
// metadata.name=<n>, if any.
func (s *selector) singleName() (string, bool) {
	return s.fields.RequiresExactMatch("metadata.name")
}

// trigger returns the value the field selector pins the resource's
// TriggerField to (pods: spec.nodeName=<node>), which lets the watch cache
// offer this watch only the changes to such objects.
func (s *selector) trigger() (string, bool) {
	if s.info.TriggerField == "" {
		return "", false
	}
	return s.fields.RequiresExactMatch(s.info.TriggerField)
}
