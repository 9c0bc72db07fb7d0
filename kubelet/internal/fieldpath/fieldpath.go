// Package fieldpath resolves the downward API's references — fieldRef
// paths ("metadata.labels['app']", "status.podIP") and resourceFieldRef
// selectors ("limits.memory" with a divisor) — for env vars and
// downwardAPI volumes alike, as upstream's pkg/fieldpath and the kubelet's
// podFieldSelectorRuntimeValue do. Which paths a given consumer may use is
// the apiserver's validation; this package answers every path either may.
package fieldpath

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// IPs are the runtime values the status.* paths refer to.
type IPs struct {
	PodIP, HostIP string
}

// Field returns the value of a fieldRef path of pod.
func Field(pod *corev1.Pod, path string, ips IPs) (string, error) {
	if k, ok := subscript(path, "metadata.labels"); ok {
		return pod.Labels[k], nil
	}
	if k, ok := subscript(path, "metadata.annotations"); ok {
		return pod.Annotations[k], nil
	}
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "metadata.labels":
		return FormatMap(pod.Labels), nil
	case "metadata.annotations":
		return FormatMap(pod.Annotations), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP", "status.podIPs":
		return ips.PodIP, nil
	case "status.hostIP", "status.hostIPs":
		return ips.HostIP, nil
	}
	return "", fmt.Errorf("unsupported fieldRef %q", path)
}

// subscript parses "<prefix>['key']".
func subscript(path, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(path, prefix+"['")
	if !ok || !strings.HasSuffix(rest, "']") {
		return "", false
	}
	return strings.TrimSuffix(rest, "']"), true
}

// FormatMap is upstream's fieldpath.FormatMap: sorted key="value" lines.
func FormatMap(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%v=%q\n", k, m[k])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Resource returns a resourceFieldRef of container c: the limit or
// request divided by the divisor (default 1), rounded up, as upstream's
// ExtractContainerResourceValue. An unset value is "0".
func Resource(c *corev1.Container, ref *corev1.ResourceFieldSelector) (string, error) {
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok || (kind != "limits" && kind != "requests") {
		return "", fmt.Errorf("unsupported resourceFieldRef %q", ref.Resource)
	}
	list := c.Resources.Limits
	if kind == "requests" {
		list = c.Resources.Requests
	}
	q, ok := list[corev1.ResourceName(name)]
	if !ok {
		return "0", nil
	}
	div := ref.Divisor
	if div.IsZero() {
		div = resource.MustParse("1")
	}
	return fmt.Sprint(int64(math.Ceil(float64(q.MilliValue()) / float64(div.MilliValue())))), nil
}

// ContainerResource is Resource for the pod container ref.ContainerName
// (downwardAPI volumes name the container; env vars use their own).
func ContainerResource(pod *corev1.Pod, ref *corev1.ResourceFieldSelector) (string, error) {
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if list[i].Name == ref.ContainerName {
				return Resource(&list[i], ref)
			}
		}
	}
	return "", fmt.Errorf("resourceFieldRef: no container %q", ref.ContainerName)
}
