package daemonset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// RevisionControl writes ControllerRevisions, the template history that
// `rollout history` lists and `rollout undo` patches back.
type RevisionControl interface {
	CreateRevision(ctx context.Context, cr *appsv1.ControllerRevision) error
	UpdateRevision(ctx context.Context, cr *appsv1.ControllerRevision) error
	DeleteRevision(ctx context.Context, namespace, name string) error
}

// revisionData is upstream's ControllerRevision payload for a DaemonSet:
// a strategic merge patch that replaces spec.template.
func revisionData(ds *appsv1.DaemonSet) ([]byte, error) {
	raw, err := json.Marshal(ds.Spec.Template)
	if err != nil {
		return nil, err
	}
	var tmpl map[string]any
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		return nil, err
	}
	tmpl["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": tmpl}})
}

// syncRevisions makes the current template's revision the newest (creating
// it, or renumbering it after a rollback) and deletes unused revisions
// beyond revisionHistoryLimit.
func (c *Controller) syncRevisions(ctx context.Context, ds *appsv1.DaemonSet, hash string, inUse map[string]bool) error {
	if c.cfg.Revisions == nil || c.cfg.RevCtl == nil {
		return nil
	}
	var owned []*appsv1.ControllerRevision
	var cur *appsv1.ControllerRevision
	var top int64
	for _, cr := range c.cfg.Revisions.Lister().ByNamespace(ds.Namespace) {
		if ref := metav1.GetControllerOf(cr); ref != nil && ref.UID == ds.UID {
			owned = append(owned, cr)
			top = max(top, cr.Revision)
			if cr.Labels[HashLabel] == hash {
				cur = cr
			}
		}
	}
	var err error
	switch {
	case cur == nil:
		err = c.createRevision(ctx, ds, hash, top+1)
	case cur.Revision < top:
		cp := cur.DeepCopy()
		cp.Revision = top + 1
		err = c.cfg.RevCtl.UpdateRevision(ctx, cp)
	}
	if err != nil {
		return err
	}
	return c.pruneRevisions(ctx, ds, owned, hash, inUse)
}

func (c *Controller) createRevision(ctx context.Context, ds *appsv1.DaemonSet, hash string, n int64) error {
	data, err := revisionData(ds)
	if err != nil {
		return fmt.Errorf("encoding revision of %s: %w", ds.Name, err)
	}
	lbls := map[string]string{HashLabel: hash}
	for k, v := range ds.Spec.Template.Labels {
		lbls[k] = v
	}
	t := true
	cr := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name: ds.Name + "-" + hash, Namespace: ds.Namespace, Labels: lbls,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "DaemonSet", Name: ds.Name, UID: ds.UID, Controller: &t, BlockOwnerDeletion: &t,
			}},
		},
		Data:     runtime.RawExtension{Raw: data},
		Revision: n,
	}
	if err := c.cfg.RevCtl.CreateRevision(ctx, cr); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating controller revision %s: %w", cr.Name, err)
	}
	return nil
}

func (c *Controller) pruneRevisions(ctx context.Context, ds *appsv1.DaemonSet, owned []*appsv1.ControllerRevision, hash string, inUse map[string]bool) error {
	limit := 10
	if ds.Spec.RevisionHistoryLimit != nil {
		limit = int(*ds.Spec.RevisionHistoryLimit)
	}
	var old []*appsv1.ControllerRevision
	for _, cr := range owned {
		if h := cr.Labels[HashLabel]; h != hash && !inUse[h] {
			old = append(old, cr)
		}
	}
	if len(old) <= limit {
		return nil
	}
	sort.Slice(old, func(i, j int) bool { return old[i].Revision < old[j].Revision })
	var errs []error
	for _, cr := range old[:len(old)-limit] {
		if err := c.cfg.RevCtl.DeleteRevision(ctx, cr.Namespace, cr.Name); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting controller revision %s: %w", cr.Name, err))
		}
	}
	return errors.Join(errs...)
}
