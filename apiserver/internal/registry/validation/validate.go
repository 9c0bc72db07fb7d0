package validation

import (
	"fmt"
	networkingv1 "k8s.io/api/networking/v1"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/wharfhq/wharf/proto/api"
)

var (
	metaPath = field.NewPath("metadata")
	specPath = field.NewPath("spec")
)

// NameFunc validates an object name; prefix is true for generateName.
type NameFunc = apimachineryvalidation.ValidateNameFunc

// NameRule returns the rule upstream applies to names of info's kind:
// DNS-1123 label for namespaces, DNS-1035 label for services, path
// segments for RBAC objects, DNS-1123 subdomain otherwise.
func NameRule(info *api.Info) NameFunc {
	switch info.Resource {
	case "namespaces":
		return apimachineryvalidation.ValidateNamespaceName
	case "services":
		return apimachineryvalidation.NameIsDNS1035Label
	case "roles", "rolebindings", "clusterroles", "clusterrolebindings":
		return path.ValidatePathSegmentName
	}
	return apimachineryvalidation.NameIsDNSSubdomain
}

// ObjectMeta validates the metadata of a new object of info's kind.
func ObjectMeta(info *api.Info, obj api.Object) field.ErrorList {
	return apimachineryvalidation.ValidateObjectMetaAccessor(obj, info.Namespaced, NameRule(info), metaPath)
}

// ObjectMetaUpdate validates metadata changes. The resourceVersion rule
// is left to the server, which owns optimistic concurrency.
func ObjectMetaUpdate(obj, old api.Object) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaAccessorUpdate(obj, old, metaPath)
	out := errs[:0]
	for _, e := range errs {
		if e.Field != "metadata.resourceVersion" {
			out = append(out, e)
		}
	}
	return out
}

// Validate checks a new object of info's kind: metadata and kind rules.
func Validate(info *api.Info, obj api.Object) field.ErrorList {
	errs := ObjectMeta(info, obj)
	return append(errs, kindRules(obj)...)
}

// ValidateUpdate checks obj as a replacement for old: metadata update
// rules, the kind's rules on obj and the kind's immutable fields.
func ValidateUpdate(info *api.Info, obj, old api.Object) field.ErrorList {
	errs := ObjectMetaUpdate(obj, old)
	errs = append(errs, kindRules(obj)...)
	return append(errs, updateRules(obj, old)...)
}

// kindRules dispatches to the validation of obj's kind.
func kindRules(obj api.Object) field.ErrorList {
	switch o := obj.(type) {
	case *corev1.Pod:
		return Pod(o)
	case *corev1.Service:
		return Service(o)
	case *corev1.Namespace:
		return Namespace(o)
	case *corev1.Node:
		return Node(o)
	case *corev1.ReplicationController:
		return ReplicationController(o)
	case *corev1.ConfigMap:
		return ConfigMap(o)
	case *corev1.Secret:
		return Secret(o)
	case *corev1.Event:
		return Event(o)
	case *corev1.Endpoints:
		return Endpoints(o)
	case *corev1.ServiceAccount, *corev1.LimitRange:
		return nil
	case *corev1.ResourceQuota:
		return resourceList(o.Spec.Hard, specPath.Child("hard"))
	case *corev1.PersistentVolume:
		return PersistentVolume(o)
	case *corev1.PersistentVolumeClaim:
		return PersistentVolumeClaim(o)
	}
	return otherKindRules(obj)
}

func otherKindRules(obj api.Object) field.ErrorList {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return Deployment(o)
	case *appsv1.ReplicaSet:
		return ReplicaSet(o)
	case *appsv1.DaemonSet:
		return DaemonSet(o)
	case *appsv1.StatefulSet:
		return StatefulSet(o)
	case *appsv1.ControllerRevision:
		return ControllerRevision(o)
	case *batchv1.Job:
		return Job(o)
	case *batchv1.CronJob:
		return CronJob(o)
	case *discoveryv1.EndpointSlice:
		return EndpointSlice(o)
	case *coordinationv1.Lease:
		return Lease(o)
	case *networkingv1.Ingress:
		return Ingress(o)
	case *networkingv1.IngressClass:
		return IngressClass(o)
	case *networkingv1.NetworkPolicy:
		return NetworkPolicy(o)
	case *rbacv1.Role:
		return policyRules(o.Rules, false, field.NewPath("rules"))
	case *rbacv1.ClusterRole:
		return policyRules(o.Rules, true, field.NewPath("rules"))
	case *rbacv1.RoleBinding:
		return roleBinding(o.RoleRef, o.Subjects, true)
	case *rbacv1.ClusterRoleBinding:
		return roleBinding(o.RoleRef, o.Subjects, false)
	}
	return nil
}

// updateRules dispatches to the update-only rules of obj's kind. old is
// of the same kind; a mismatch is reported as an internal error.
func updateRules(obj, old api.Object) field.ErrorList {
	if fmt.Sprintf("%T", obj) != fmt.Sprintf("%T", old) {
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("update of %T with %T", old, obj))}
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		return PodUpdate(o, old.(*corev1.Pod))
	case *corev1.Service:
		return ServiceUpdate(o, old.(*corev1.Service))
	case *corev1.Node:
		return NodeUpdate(o, old.(*corev1.Node))
	case *corev1.ConfigMap:
		return ConfigMapUpdate(o, old.(*corev1.ConfigMap))
	case *corev1.Secret:
		return SecretUpdate(o, old.(*corev1.Secret))
	case *corev1.PersistentVolumeClaim:
		return PersistentVolumeClaimUpdate(o, old.(*corev1.PersistentVolumeClaim))
	case *appsv1.Deployment:
		return immutable(o.Spec.Selector, old.(*appsv1.Deployment).Spec.Selector, specPath.Child("selector"))
	case *appsv1.ReplicaSet:
		return immutable(o.Spec.Selector, old.(*appsv1.ReplicaSet).Spec.Selector, specPath.Child("selector"))
	case *appsv1.DaemonSet:
		return immutable(o.Spec.Selector, old.(*appsv1.DaemonSet).Spec.Selector, specPath.Child("selector"))
	case *appsv1.StatefulSet:
		return StatefulSetUpdate(o, old.(*appsv1.StatefulSet))
	case *appsv1.ControllerRevision:
		return immutable(o.Data, old.(*appsv1.ControllerRevision).Data, field.NewPath("data"))
	case *batchv1.Job:
		return JobUpdate(o, old.(*batchv1.Job))
	case *discoveryv1.EndpointSlice:
		return immutable(o.AddressType, old.(*discoveryv1.EndpointSlice).AddressType, field.NewPath("addressType"))
	case *rbacv1.RoleBinding:
		return roleRefUpdate(o.RoleRef, old.(*rbacv1.RoleBinding).RoleRef)
	case *rbacv1.ClusterRoleBinding:
		return roleRefUpdate(o.RoleRef, old.(*rbacv1.ClusterRoleBinding).RoleRef)
	}
	return nil
}

// immutable reports "field is immutable" at fldPath when the values
// differ semantically.
func immutable(newVal, oldVal any, fldPath *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateImmutableField(newVal, oldVal, fldPath)
}
