package admission

import (
	"context"
	"errors"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// LimitRanger applies the Container defaults of the namespace's
// LimitRanges to new pods and enforces their min and max.
type LimitRanger struct {
	Lister Lister
}

// Admit implements Plugin.
func (p LimitRanger) Admit(ctx context.Context, a Attributes) (Finish, error) {
	pod, ok := a.Obj.(*corev1.Pod)
	if !ok || a.Op != Create {
		return nil, nil
	}
	objs, err := p.Lister.List(ctx, lookup("limitranges"), pod.Namespace)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, o := range objs {
		lr, ok := o.(*corev1.LimitRange)
		if !ok {
			continue
		}
		for _, item := range lr.Spec.Limits {
			if item.Type != corev1.LimitTypeContainer {
				continue
			}
			for i := range pod.Spec.Containers {
				c := &pod.Spec.Containers[i]
				applyDefaults(&c.Resources, item)
				errs = append(errs, checkBounds(c.Resources, item)...)
			}
		}
	}
	if len(errs) > 0 {
		return nil, apierrors.NewForbidden(podGR, pod.Name, errors.Join(errs...))
	}
	return nil, nil
}

func applyDefaults(r *corev1.ResourceRequirements, item corev1.LimitRangeItem) {
	for name, q := range item.Default {
		if _, ok := r.Limits[name]; !ok {
			if r.Limits == nil {
				r.Limits = corev1.ResourceList{}
			}
			r.Limits[name] = q.DeepCopy()
		}
	}
	for name, q := range item.DefaultRequest {
		if _, ok := r.Requests[name]; !ok {
			if r.Requests == nil {
				r.Requests = corev1.ResourceList{}
			}
			r.Requests[name] = q.DeepCopy()
		}
	}
	for name, q := range r.Limits {
		if _, ok := r.Requests[name]; !ok {
			if r.Requests == nil {
				r.Requests = corev1.ResourceList{}
			}
			r.Requests[name] = q.DeepCopy()
		}
	}
}

// checkBounds returns upstream's messages for limits over max and
// requests under min.
func checkBounds(r corev1.ResourceRequirements, item corev1.LimitRangeItem) []error {
	var errs []error
	for _, name := range sortedNames(item.Max) {
		max := item.Max[name]
		lim, ok := r.Limits[name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("maximum %s usage per Container is %s.  No limit is specified", name, max.String()))
		case lim.Cmp(max) > 0:
			errs = append(errs, fmt.Errorf("maximum %s usage per Container is %s, but limit is %s", name, max.String(), lim.String()))
		}
	}
	for _, name := range sortedNames(item.Min) {
		min := item.Min[name]
		req, ok := r.Requests[name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("minimum %s usage per Container is %s.  No request is specified", name, min.String()))
		case req.Cmp(min) < 0:
			errs = append(errs, fmt.Errorf("minimum %s usage per Container is %s, but request is %s", name, min.String(), req.String()))
		}
	}
	return errs
}

func sortedNames(l corev1.ResourceList) []corev1.ResourceName {
	out := make([]corev1.ResourceName, 0, len(l))
	for n := range l {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
