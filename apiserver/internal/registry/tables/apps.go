package tables

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/wharfhq/wharf/proto/api"
)

func addApps(r registry) {
	replicated := []metav1.TableColumnDefinition{
		nameColumn, col("Desired", "integer", "Number of desired pods."),
		col("Current", "integer", "Number of actual replicas."), col("Ready", "integer", "Number of ready replicas."), ageColumn,
		containersColumn, imagesColumn, wide("Selector", "string", "The label selector of the replicas."),
	}
	r.add("replicationcontrollers", replicated, func(obj api.Object, now time.Time) []any {
		rc := obj.(*corev1.ReplicationController)
		var names, images string
		if rc.Spec.Template != nil {
			names, images = containerCells(rc.Spec.Template.Spec.Containers)
		}
		return []any{rc.Name, int64(deref(rc.Spec.Replicas)), int64(rc.Status.Replicas), int64(rc.Status.ReadyReplicas),
			age(rc.CreationTimestamp, now), names, images, labels.FormatLabels(rc.Spec.Selector)}
	})
	r.add("replicasets", replicated, func(obj api.Object, now time.Time) []any {
		rs := obj.(*appsv1.ReplicaSet)
		names, images := containerCells(rs.Spec.Template.Spec.Containers)
		return []any{rs.Name, int64(deref(rs.Spec.Replicas)), int64(rs.Status.Replicas), int64(rs.Status.ReadyReplicas),
			age(rs.CreationTimestamp, now), names, images, selectorString(rs.Spec.Selector)}
	})
	r.add("deployments", []metav1.TableColumnDefinition{
		nameColumn, col("Ready", "string", "Number of the pod with ready state"),
		col("Up-to-date", "string", appsv1.DeploymentStatus{}.SwaggerDoc()["updatedReplicas"]),
		col("Available", "string", appsv1.DeploymentStatus{}.SwaggerDoc()["availableReplicas"]), ageColumn,
		containersColumn, imagesColumn, wide("Selector", "string", appsv1.DeploymentSpec{}.SwaggerDoc()["selector"]),
	}, deploymentRow)
	r.add("daemonsets", []metav1.TableColumnDefinition{
		nameColumn, col("Desired", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["desiredNumberScheduled"]),
		col("Current", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["currentNumberScheduled"]),
		col("Ready", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["numberReady"]),
		col("Up-to-date", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["updatedNumberScheduled"]),
		col("Available", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["numberAvailable"]),
		col("Node Selector", "string", corev1.PodSpec{}.SwaggerDoc()["nodeSelector"]), ageColumn,
		containersColumn, imagesColumn, wide("Selector", "string", appsv1.DaemonSetSpec{}.SwaggerDoc()["selector"]),
	}, daemonSetRow)
	r.add("statefulsets", []metav1.TableColumnDefinition{
		nameColumn, col("Ready", "string", "Number of the pod with ready state"), ageColumn, containersColumn, imagesColumn,
	}, func(obj api.Object, now time.Time) []any {
		ss := obj.(*appsv1.StatefulSet)
		names, images := containerCells(ss.Spec.Template.Spec.Containers)
		return []any{ss.Name, fmt.Sprintf("%d/%d", ss.Status.ReadyReplicas, deref(ss.Spec.Replicas)), age(ss.CreationTimestamp, now), names, images}
	})
	r.add("controllerrevisions", []metav1.TableColumnDefinition{
		nameColumn, col("Controller", "string", "Controller of the object"),
		col("Revision", "string", appsv1.ControllerRevision{}.SwaggerDoc()["revision"]), ageColumn,
	}, controllerRevisionRow)
	addBatch(r)
}

func deref(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func deploymentRow(obj api.Object, now time.Time) []any {
	d := obj.(*appsv1.Deployment)
	names, images := containerCells(d.Spec.Template.Spec.Containers)
	return []any{d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, deref(d.Spec.Replicas)), int64(d.Status.UpdatedReplicas),
		int64(d.Status.AvailableReplicas), age(d.CreationTimestamp, now), names, images, selectorString(d.Spec.Selector)}
}

func daemonSetRow(obj api.Object, now time.Time) []any {
	ds := obj.(*appsv1.DaemonSet)
	st := ds.Status
	names, images := containerCells(ds.Spec.Template.Spec.Containers)
	return []any{ds.Name, int64(st.DesiredNumberScheduled), int64(st.CurrentNumberScheduled), int64(st.NumberReady),
		int64(st.UpdatedNumberScheduled), int64(st.NumberAvailable), labels.FormatLabels(ds.Spec.Template.Spec.NodeSelector),
		age(ds.CreationTimestamp, now), names, images, selectorString(ds.Spec.Selector)}
}

func controllerRevisionRow(obj api.Object, now time.Time) []any {
	cr := obj.(*appsv1.ControllerRevision)
	controller := "<none>"
	if ref := metav1.GetControllerOf(cr); ref != nil {
		gv, err := schema.ParseGroupVersion(ref.APIVersion)
		if err == nil {
			controller = strings.ToLower(gv.WithKind(ref.Kind).GroupKind().String()) + "/" + ref.Name
		}
	}
	return []any{cr.Name, controller, cr.Revision, age(cr.CreationTimestamp, now)}
}
