package pvbinder

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/wharfhq/wharf/proto/informer"
)

// syncClaim binds a claim that is not bound yet.
func (c *Controller) syncClaim(ctx context.Context, key string) error {
	ns, name := informer.SplitKey(key)
	pvc, ok := c.cfg.Claims.Lister().Get(ns, name)
	if !ok || pvc.DeletionTimestamp != nil {
		return nil
	}
	var pv *corev1.PersistentVolume
	if pvc.Spec.VolumeName != "" {
		pv, ok = c.cfg.Volumes.Lister().Get("", pvc.Spec.VolumeName)
		if !ok {
			phase := corev1.ClaimPending
			if pvc.Status.Phase == corev1.ClaimBound || pvc.Status.Phase == corev1.ClaimLost {
				phase = corev1.ClaimLost
			}
			return c.setClaimPhase(ctx, pvc, phase)
		}
		if pvc.Status.Phase == corev1.ClaimBound && claimedBy(pv, pvc) && pv.Spec.ClaimRef.UID != "" && pv.Status.Phase == corev1.VolumeBound {
			return nil
		}
	} else {
		pv = FindVolume(pvc, c.cfg.Volumes.Lister().List(nil))
	}
	if pv == nil && pvc.Spec.VolumeName == "" {
		if done, err := c.provision(ctx, pvc); done || err != nil {
			return err
		}
	}
	if pv == nil || Fits(pv, pvc) != "" {
		if pvc.Status.Phase != corev1.ClaimPending {
			c.cfg.Recorder.Event(pvc, corev1.EventTypeNormal, "FailedBinding", "no persistent volumes available for this claim and no storage class is set")
		}
		return c.setClaimPhase(ctx, pvc, corev1.ClaimPending)
	}
	return c.bind(ctx, pv, pvc)
}

// bind runs the four idempotent binding steps (see the package doc).
func (c *Controller) bind(ctx context.Context, pv *corev1.PersistentVolume, pvc *corev1.PersistentVolumeClaim) error {
	var err error
	if pv.Spec.ClaimRef == nil || pv.Spec.ClaimRef.UID != pvc.UID {
		cp := pv.DeepCopy()
		cp.Spec.ClaimRef = &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1",
			Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID, ResourceVersion: pvc.ResourceVersion}
		if pv, err = c.cfg.Writer.UpdateVolume(ctx, cp); err != nil {
			return fmt.Errorf("claiming volume %s for %s/%s: %w", cp.Name, pvc.Namespace, pvc.Name, err)
		}
	}
	if pv.Status.Phase != corev1.VolumeBound {
		cp := pv.DeepCopy()
		cp.Status.Phase = corev1.VolumeBound
		if pv, err = c.cfg.Writer.UpdateVolumeStatus(ctx, cp); err != nil {
			return fmt.Errorf("marking volume %s bound: %w", cp.Name, err)
		}
	}
	if pvc.Spec.VolumeName != pv.Name || pvc.Annotations[AnnBindCompleted] != "yes" {
		cp := pvc.DeepCopy()
		cp.Spec.VolumeName = pv.Name
		if cp.Annotations == nil {
			cp.Annotations = map[string]string{}
		}
		cp.Annotations[AnnBindCompleted] = "yes"
		if pvc.Spec.VolumeName == "" {
			cp.Annotations[AnnBoundByController] = "yes"
		}
		if pvc, err = c.cfg.Writer.UpdateClaim(ctx, cp); err != nil {
			return fmt.Errorf("binding claim %s/%s to %s: %w", cp.Namespace, cp.Name, pv.Name, err)
		}
	}
	if pvc.Status.Phase != corev1.ClaimBound {
		cp := pvc.DeepCopy()
		cp.Status.Phase = corev1.ClaimBound
		cp.Status.AccessModes = pv.Spec.AccessModes
		cp.Status.Capacity = pv.Spec.Capacity
		if _, err = c.cfg.Writer.UpdateClaimStatus(ctx, cp); err != nil {
			return fmt.Errorf("marking claim %s/%s bound: %w", cp.Namespace, cp.Name, err)
		}
		c.cfg.Logger.Info("bound claim", "claim", pvc.Namespace+"/"+pvc.Name, "volume", pv.Name)
	}
	return nil
}

func (c *Controller) setClaimPhase(ctx context.Context, pvc *corev1.PersistentVolumeClaim, phase corev1.PersistentVolumeClaimPhase) error {
	if pvc.Status.Phase == phase {
		return nil
	}
	cp := pvc.DeepCopy()
	cp.Status.Phase = phase
	if _, err := c.cfg.Writer.UpdateClaimStatus(ctx, cp); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("setting claim %s/%s %s: %w", pvc.Namespace, pvc.Name, phase, err)
	}
	return nil
}

// syncVolume releases a volume whose claim is gone and marks a free
// volume Available.
func (c *Controller) syncVolume(ctx context.Context, name string) error {
	pv, ok := c.cfg.Volumes.Lister().Get("", name)
	if !ok || pv.DeletionTimestamp != nil {
		return nil
	}
	ref := pv.Spec.ClaimRef
	if ref == nil {
		return c.setVolumePhase(ctx, pv, corev1.VolumeAvailable)
	}
	if ref.UID == "" {
		return nil // pre-bound by a user; the claim's sync completes it
	}
	if pvc, ok := c.cfg.Claims.Lister().Get(ref.Namespace, ref.Name); ok && pvc.UID == ref.UID {
		return nil
	}
	if pv.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimDelete {
		if err := c.cfg.Writer.DeleteVolume(ctx, pv); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("deleting released volume %s: %w", name, err)
		}
		return nil
	}
	return c.setVolumePhase(ctx, pv, corev1.VolumeReleased)
}

func (c *Controller) setVolumePhase(ctx context.Context, pv *corev1.PersistentVolume, phase corev1.PersistentVolumePhase) error {
	if pv.Status.Phase == phase {
		return nil
	}
	cp := pv.DeepCopy()
	cp.Status.Phase = phase
	if _, err := c.cfg.Writer.UpdateVolumeStatus(ctx, cp); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("setting volume %s %s: %w", pv.Name, phase, err)
	}
	return nil
}

// provision handles a claim no existing volume fits: a claim without a
// class gets the default class (retroactive assignment, as upstream), and
// a claim of a HostPathProvisioner class gets a new pre-bound volume. done
// reports that it acted; the resulting events bring the claim back.
func (c *Controller) provision(ctx context.Context, pvc *corev1.PersistentVolumeClaim) (done bool, err error) {
	if c.cfg.Classes == nil {
		return false, nil
	}
	classes := c.cfg.Classes.Lister().List(nil)
	if pvc.Spec.StorageClassName == nil {
		def := defaultClass(classes)
		if def == nil {
			return false, nil
		}
		cp := pvc.DeepCopy()
		cp.Spec.StorageClassName = &def.Name
		if _, err := c.cfg.Writer.UpdateClaim(ctx, cp); err != nil {
			return true, fmt.Errorf("assigning default class %s to %s/%s: %w", def.Name, pvc.Namespace, pvc.Name, err)
		}
		return true, nil
	}
	class := classNamed(classes, *pvc.Spec.StorageClassName)
	if class == nil || class.Provisioner != HostPathProvisioner {
		return false, nil
	}
	pv := provisionedVolume(pvc, class, c.cfg.HostPathRoot)
	if _, err := c.cfg.Writer.CreateVolume(ctx, pv); err != nil && !apierrors.IsAlreadyExists(err) {
		c.cfg.Recorder.Event(pvc, corev1.EventTypeWarning, "ProvisioningFailed", "failed to provision volume with StorageClass %q: %v", class.Name, err)
		return true, fmt.Errorf("provisioning %s for %s/%s: %w", pv.Name, pvc.Namespace, pvc.Name, err)
	}
	c.cfg.Recorder.Event(pvc, corev1.EventTypeNormal, "ProvisioningSucceeded", "Successfully provisioned volume %s using %s", pv.Name, HostPathProvisioner)
	return true, nil
}
