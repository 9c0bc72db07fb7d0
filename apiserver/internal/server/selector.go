package server

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
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
	return s.fields.Matches(&lazyFields{info: s.info, obj: obj})
}

// lazyFields is obj's selectable field set, built only when a field is
// asked for that cheapField does not answer: a watch resuming from a
// resourceVersion tests its selector (a kubelet's spec.nodeName=<node>)
// against every event it replays, and building every pod's whole set
// each time dominated the apiserver's CPU with thousands of kubelets.
type lazyFields struct {
	info *api.Info
	obj  api.Object
	all  fields.Set
}

func (l *lazyFields) Has(field string) bool {
	if _, ok := cheapField(l.obj, field); ok {
		return true
	}
	_, ok := l.set()[field]
	return ok
}

func (l *lazyFields) Get(field string) string {
	if v, ok := cheapField(l.obj, field); ok {
		return v
	}
	return l.set()[field]
}

func (l *lazyFields) set() fields.Set {
	if l.all == nil {
		l.all = l.info.ObjectFields(l.obj)
	}
	return l.all
}

// cheapField returns the most selected fields without building the set.
// It must agree with api.Info.ObjectFields (selector_test checks); fields
// a resource does not have never reach it (parseSelector rejects them).
func cheapField(obj api.Object, field string) (string, bool) {
	switch field {
	case "metadata.name":
		return obj.GetName(), true
	case "metadata.namespace":
		return obj.GetNamespace(), true
	case "spec.nodeName":
		if p, ok := obj.(*corev1.Pod); ok {
			return p.Spec.NodeName, true
		}
	}
	return "", false
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
