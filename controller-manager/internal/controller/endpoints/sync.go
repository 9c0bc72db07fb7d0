package endpoints

import (
	"context"
	"fmt"
	"maps"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/proto/informer"
)

// HeadlessLabel marks the Endpoints of a headless service, as upstream.
const HeadlessLabel = "service.kubernetes.io/headless"

// sync makes the Endpoints named like the service match its pods.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name := informer.SplitKey(key)
	svc, ok := c.cfg.Services.Lister().Get(ns, name)
	if !ok {
		// The service is gone: its Endpoints go with it.
		if _, exists := c.cfg.Endpoints.Lister().Get(ns, name); !exists {
			return nil
		}
		if err := c.cfg.Writer.Delete(ctx, ns, name); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting endpoints %s: %w", key, err)
		}
		return nil
	}
	if len(svc.Spec.Selector) == 0 {
		return nil // user- or apiserver-managed Endpoints
	}
	pods := c.cfg.Pods.Lister().ListNamespace(ns, labels.SelectorFromSet(svc.Spec.Selector))
	want := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: DesiredLabels(svc)},
		Subsets:    DesiredSubsets(svc, pods),
	}
	cur, exists := c.cfg.Endpoints.Lister().Get(ns, name)
	if !exists {
		err := c.cfg.Writer.Create(ctx, want)
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("endpoints %s exists but is not in the cache yet: %w", key, err)
		}
		if err != nil {
			c.cfg.Recorder.Event(svc, corev1.EventTypeWarning, "FailedToCreateEndpoint", "Failed to create endpoint for service %s: %v", key, err)
			return fmt.Errorf("creating endpoints %s: %w", key, err)
		}
		return nil
	}
	if reflect.DeepEqual(cur.Subsets, want.Subsets) && maps.Equal(cur.Labels, want.Labels) {
		return nil
	}
	upd := cur.DeepCopy()
	upd.Labels, upd.Subsets = want.Labels, want.Subsets
	if err := c.cfg.Writer.Update(ctx, upd); err != nil {
		if !apierrors.IsConflict(err) {
			c.cfg.Recorder.Event(svc, corev1.EventTypeWarning, "FailedToUpdateEndpoint", "Failed to update endpoint %s: %v", key, err)
		}
		return fmt.Errorf("updating endpoints %s: %w", key, err)
	}
	return nil
}

// DesiredLabels are the service's labels plus the headless marker.
func DesiredLabels(svc *corev1.Service) map[string]string {
	out := map[string]string{}
	maps.Copy(out, svc.Labels)
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		out[HeadlessLabel] = ""
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
