package admission

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/wharfhq/wharf/proto/api"
)

// legacyCounts are the quota names upstream uses for core resources
// besides count/<resource>.
var legacyCounts = map[string]corev1.ResourceName{
	"pods": "pods", "services": "services", "configmaps": "configmaps", "secrets": "secrets",
	"persistentvolumeclaims": "persistentvolumeclaims", "replicationcontrollers": "replicationcontrollers",
	"resourcequotas": "resourcequotas",
}

// usageOf is what obj counts against a quota. Terminated pods count
// nothing.
func usageOf(info *api.Info, obj api.Object) map[corev1.ResourceName]resource.Quantity {
	if pod, ok := obj.(*corev1.Pod); ok && (pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed) {
		return nil
	}
	one := resource.MustParse("1")
	count := "count/" + info.Resource
	if info.Group != "" {
		count += "." + info.Group
	}
	u := map[corev1.ResourceName]resource.Quantity{corev1.ResourceName(count): one}
	if n, ok := legacyCounts[info.Resource]; ok && info.Group == "" {
		u[n] = one
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		addPodResources(u, o)
	case *corev1.Service:
		if o.Spec.Type == corev1.ServiceTypeNodePort || o.Spec.Type == corev1.ServiceTypeLoadBalancer {
			u["services.nodeports"] = *resource.NewQuantity(int64(len(o.Spec.Ports)), resource.DecimalSI)
		}
		if o.Spec.Type == corev1.ServiceTypeLoadBalancer {
			u["services.loadbalancers"] = one
		}
	}
	return u
}

func addPodResources(u map[corev1.ResourceName]resource.Quantity, pod *corev1.Pod) {
	add := func(name corev1.ResourceName, q resource.Quantity) {
		t := u[name]
		t.Add(q)
		u[name] = t
	}
	for _, c := range pod.Spec.Containers {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if q, ok := c.Resources.Requests[r]; ok {
				add("requests."+r, q)
				add(r, q)
			}
			if q, ok := c.Resources.Limits[r]; ok {
				add("limits."+r, q)
			}
		}
	}
}
