package registry

import (
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/wharfhq/wharf/apiserver/internal/registry/defaults"
	"github.com/wharfhq/wharf/proto/api"
)

// Labels upstream's job strategy puts on generated job selectors; the
// unprefixed ones are kept for older clients.
const (
	legacyJobNameLabel       = "job-name"
	legacyControllerUIDLabel = "controller-uid"
)

// Struct fields that are not spec.
const (
	typeMetaField   = "TypeMeta"
	objectMetaField = "ObjectMeta"
	statusField     = "Status"
)

// tracksGeneration reports whether obj's kind counts spec changes in
// metadata.generation, as upstream's strategies for it do.
func tracksGeneration(obj api.Object) bool {
	switch obj.(type) {
	case *corev1.Pod, *corev1.ReplicationController, *appsv1.Deployment, *appsv1.ReplicaSet,
		*appsv1.DaemonSet, *appsv1.StatefulSet, *batchv1.Job, *batchv1.CronJob:
		return true
	}
	return false
}

// resetStatusOnCreate drops what a client sent as status. Nodes keep
// theirs (the kubelet registers with capacity and addresses).
func resetStatusOnCreate(obj api.Object) {
	switch o := obj.(type) {
	case *corev1.Node:
	case *corev1.Pod:
		o.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: podQOS(&o.Spec)}
		if len(o.Spec.SchedulingGates) > 0 {
			o.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
				Reason: corev1.PodReasonSchedulingGated, Message: "Scheduling is blocked due to non-empty scheduling gates"}}
		}
	case *corev1.Namespace:
		o.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
		defaults.NamespaceFinalizer(o)
	case *corev1.PersistentVolume:
		o.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumePending}
	case *corev1.PersistentVolumeClaim:
		o.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
	default:
		if st := structField(obj, statusField); st.IsValid() {
			st.Set(reflect.Zero(st.Type()))
		}
	}
}

// structField returns the named field of the struct obj points to, or
// the zero Value when there is none.
func structField(obj api.Object, name string) reflect.Value {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return v.Elem().FieldByName(name)
}

// copyStatus sets obj's status to a copy of old's.
func copyStatus(obj, old api.Object) {
	dst := structField(obj, statusField)
	if !dst.IsValid() {
		return
	}
	src := structField(old.DeepCopyObject().(api.Object), statusField)
	if src.IsValid() && src.Type() == dst.Type() {
		dst.Set(src)
	}
}

// copySpec sets every spec field of obj (all but TypeMeta, ObjectMeta
// and Status) to a copy of old's.
func copySpec(obj, old api.Object) {
	dst := reflect.ValueOf(obj).Elem()
	src := reflect.ValueOf(old.DeepCopyObject()).Elem()
	if dst.Type() != src.Type() {
		return
	}
	for i := 0; i < dst.NumField(); i++ {
		switch dst.Type().Field(i).Name {
		case typeMetaField, objectMetaField, statusField:
		default:
			dst.Field(i).Set(src.Field(i))
		}
	}
}

// specChanged compares the spec fields of obj and old semantically;
// for deployments annotation changes count too, as upstream (they are
// copied to replica sets).
func specChanged(obj, old api.Object) bool {
	a, b := reflect.ValueOf(obj).Elem(), reflect.ValueOf(old).Elem()
	if a.Type() != b.Type() {
		return true
	}
	for i := 0; i < a.NumField(); i++ {
		switch a.Type().Field(i).Name {
		case typeMetaField, objectMetaField, statusField:
			continue
		}
		if !apiequality.Semantic.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			return true
		}
	}
	if _, ok := obj.(*appsv1.Deployment); ok {
		return !apiequality.Semantic.DeepEqual(obj.GetAnnotations(), old.GetAnnotations())
	}
	return false
}

// keepForUpdate restores what a main-resource update may not change.
func keepForUpdate(obj, old api.Object) {
	if ns, ok := obj.(*corev1.Namespace); ok {
		// Finalizers change only through the finalize subresource.
		ns.Spec.Finalizers = append([]corev1.FinalizerName(nil), old.(*corev1.Namespace).Spec.Finalizers...)
	}
}

// keepForStatusUpdate restores the metadata upstream's status strategies
// do not let a status write change.
func keepForStatusUpdate(obj, old api.Object) {
	switch obj.(type) {
	case *appsv1.Deployment, *appsv1.ReplicaSet, *appsv1.DaemonSet, *appsv1.StatefulSet:
		obj.SetLabels(old.GetLabels())
	case *corev1.Pod:
		// Old kubelets corrupt owner references; never take them from a status write.
		obj.SetOwnerReferences(old.GetOwnerReferences())
	}
}

// generateJobSelector gives a job without manualSelector the selector
// upstream generates: controller-uid and job-name labels on the
// template, the selector matching the uid. It needs the job's uid.
func generateJobSelector(j *batchv1.Job) {
	if (j.Spec.ManualSelector != nil && *j.Spec.ManualSelector) || j.UID == "" {
		return
	}
	if j.Spec.Template.Labels == nil {
		j.Spec.Template.Labels = map[string]string{}
	}
	set := func(k, v string) {
		if _, ok := j.Spec.Template.Labels[k]; !ok {
			j.Spec.Template.Labels[k] = v
		}
	}
	set(legacyJobNameLabel, j.Name)
	set(batchv1.JobNameLabel, j.Name)
	set(legacyControllerUIDLabel, string(j.UID))
	set(batchv1.ControllerUidLabel, string(j.UID))
	if j.Spec.Selector == nil {
		j.Spec.Selector = &metav1.LabelSelector{}
	}
	if j.Spec.Selector.MatchLabels == nil {
		j.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, ok := j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel]; !ok {
		j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] = string(j.UID)
	}
}

// patchAllocated keeps a service's allocated cluster IP and node ports
// when an update (kubectl replace/apply) leaves them empty, as
// upstream's service REST does.
func patchAllocated(obj, old api.Object) {
	svc, ok := obj.(*corev1.Service)
	if !ok {
		return
	}
	o := old.(*corev1.Service)
	if needsClusterIP(o) && needsClusterIP(svc) && svc.Spec.ClusterIP == "" && len(svc.Spec.ClusterIPs) == 0 {
		svc.Spec.ClusterIP = o.Spec.ClusterIP
		svc.Spec.ClusterIPs = append([]string(nil), o.Spec.ClusterIPs...)
	}
	if !needsNodePort(o) || !needsNodePort(svc) {
		return
	}
	used := nodePorts(o).Intersection(nodePorts(svc))
	byName := map[string]int32{}
	for _, p := range o.Spec.Ports {
		byName[p.Name] = p.NodePort
	}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if v := byName[p.Name]; p.NodePort == 0 && !used.Has(v) {
			p.NodePort = v
		}
	}
	if svc.Spec.HealthCheckNodePort == 0 {
		svc.Spec.HealthCheckNodePort = o.Spec.HealthCheckNodePort
	}
}

func needsClusterIP(s *corev1.Service) bool { return s.Spec.Type != corev1.ServiceTypeExternalName }

func needsNodePort(s *corev1.Service) bool {
	return s.Spec.Type == corev1.ServiceTypeNodePort || s.Spec.Type == corev1.ServiceTypeLoadBalancer
}

func nodePorts(s *corev1.Service) sets.Set[int32] {
	out := sets.New[int32]()
	for _, p := range s.Spec.Ports {
		if p.NodePort != 0 {
			out.Insert(p.NodePort)
		}
	}
	return out
}
