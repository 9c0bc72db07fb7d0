package api

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// ObjectFields returns every field-selector field of obj: metadata.name,
// metadata.namespace and the resource's own fields, as upstream supports.
func (i *Info) ObjectFields(obj Object) map[string]string {
	f := map[string]string{"metadata.name": obj.GetName()}
	if i.Namespaced {
		f["metadata.namespace"] = obj.GetNamespace()
	}
	if i.Fields != nil {
		for k, v := range i.Fields(obj) {
			f[k] = v
		}
	}
	return f
}

// SelectableFields lists the field-selector fields the resource supports.
func (i *Info) SelectableFields() []string {
	f := i.ObjectFields(i.New())
	out := make([]string, 0, len(f))
	for k := range f {
		out = append(out, k)
	}
	return out
}

func podFields(o Object) map[string]string {
	p := o.(*corev1.Pod)
	return map[string]string{
		"spec.nodeName":            p.Spec.NodeName,
		"spec.restartPolicy":       string(p.Spec.RestartPolicy),
		"spec.schedulerName":       p.Spec.SchedulerName,
		"spec.serviceAccountName":  p.Spec.ServiceAccountName,
		"spec.hostNetwork":         strconv.FormatBool(p.Spec.HostNetwork),
		"status.phase":             string(p.Status.Phase),
		"status.podIP":             p.Status.PodIP,
		"status.nominatedNodeName": p.Status.NominatedNodeName,
	}
}

func nodeFields(o Object) map[string]string {
	n := o.(*corev1.Node)
	return map[string]string{"spec.unschedulable": strconv.FormatBool(n.Spec.Unschedulable)}
}

func namespaceFields(o Object) map[string]string {
	return map[string]string{"status.phase": string(o.(*corev1.Namespace).Status.Phase)}
}

func serviceFields(o Object) map[string]string {
	s := o.(*corev1.Service)
	return map[string]string{"spec.clusterIP": s.Spec.ClusterIP, "spec.type": string(s.Spec.Type)}
}

func secretFields(o Object) map[string]string {
	return map[string]string{"type": string(o.(*corev1.Secret).Type)}
}

func eventFields(o Object) map[string]string {
	e := o.(*corev1.Event)
	return map[string]string{
		"involvedObject.kind":            e.InvolvedObject.Kind,
		"involvedObject.namespace":       e.InvolvedObject.Namespace,
		"involvedObject.name":            e.InvolvedObject.Name,
		"involvedObject.uid":             string(e.InvolvedObject.UID),
		"involvedObject.apiVersion":      e.InvolvedObject.APIVersion,
		"involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
		"involvedObject.fieldPath":       e.InvolvedObject.FieldPath,
		"reason":                         e.Reason,
		"reportingComponent":             e.ReportingController,
		"source":                         e.Source.Component,
		"type":                           e.Type,
	}
}

func rcFields(o Object) map[string]string {
	return map[string]string{"status.replicas": strconv.Itoa(int(o.(*corev1.ReplicationController).Status.Replicas))}
}

func rsFields(o Object) map[string]string {
	return map[string]string{"status.replicas": strconv.Itoa(int(o.(*appsv1.ReplicaSet).Status.Replicas))}
}

func jobFields(o Object) map[string]string {
	return map[string]string{"status.successful": strconv.Itoa(int(o.(*batchv1.Job).Status.Succeeded))}
}
