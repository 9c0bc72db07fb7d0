package describe

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Node writes `describe node` text; pods are the pods bound to the node.
func Node(out io.Writer, now time.Time, n *corev1.Node, pods []corev1.Pod, events []corev1.Event) error {
	w := newWriter(out, now)
	var roles []string
	for k := range n.Labels {
		if r, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok {
			roles = append(roles, r)
		}
	}
	sort.Strings(roles)
	w.kv(0, "Name", n.Name)
	w.kv(0, "Roles", orNone(strings.Join(roles, ",")))
	w.stringMap(0, "Labels", n.Labels, "=")
	w.kv(0, "CreationTimestamp", n.CreationTimestamp.Time.Format(time.RFC1123Z))
	var taints []string
	for _, t := range n.Spec.Taints {
		taints = append(taints, t.ToString())
	}
	w.kv(0, "Taints", orNone(strings.Join(taints, ", ")))
	w.kv(0, "Unschedulable", n.Spec.Unschedulable)
	w.line(0, "Conditions:")
	w.line(1, "Type\tStatus\tLastHeartbeatTime\tReason\tMessage")
	w.line(1, "----\t------\t-----------------\t------\t-------")
	for _, c := range n.Status.Conditions {
		w.line(1, "%s\t%s\t%s\t%s\t%s", c.Type, c.Status, c.LastHeartbeatTime.Time.Format(time.RFC1123Z), c.Reason, c.Message)
	}
	w.line(0, "Addresses:")
	for _, a := range n.Status.Addresses {
		w.line(1, "%s:\t%s", a.Type, a.Address)
	}
	resourceList(w, "Capacity", n.Status.Capacity)
	resourceList(w, "Allocatable", n.Status.Allocatable)
	w.kv(0, "PodCIDR", orNone(n.Spec.PodCIDR))
	w.line(0, "Non-terminated Pods:\t(%d in total)", len(pods))
	w.line(1, "Namespace\tName\tCPU Requests\tMemory Requests\tAge")
	w.line(1, "---------\t----\t------------\t---------------\t---")
	for _, p := range pods {
		req := podRequests(&p)
		w.line(1, "%s\t%s\t%s\t%s\t%s", p.Namespace, p.Name, req.Cpu().String(), req.Memory().String(), w.age(p.CreationTimestamp))
	}
	allocated(w, n, pods)
	w.events(events)
	return w.flush()
}

func resourceList(w *writer, label string, l corev1.ResourceList) {
	w.line(0, "%s:", label)
	names := make([]string, 0, len(l))
	for k := range l {
		names = append(names, string(k))
	}
	sort.Strings(names)
	for _, k := range names {
		q := l[corev1.ResourceName(k)]
		w.line(1, "%s:\t%s", k, q.String())
	}
}

// podRequests sums the requests of a pod's containers.
func podRequests(p *corev1.Pod) corev1.ResourceList {
	out := corev1.ResourceList{}
	for _, c := range p.Spec.Containers {
		for k, v := range c.Resources.Requests {
			q := out[k]
			q.Add(v)
			out[k] = q
		}
	}
	return out
}

func allocated(w *writer, n *corev1.Node, pods []corev1.Pod) {
	total := corev1.ResourceList{}
	for _, p := range pods {
		for k, v := range podRequests(&p) {
			q := total[k]
			q.Add(v)
			total[k] = q
		}
	}
	w.line(0, "Allocated resources:")
	w.line(1, "Resource\tRequests")
	w.line(1, "--------\t--------")
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req := total[name]
		alloc := n.Status.Allocatable[name]
		w.line(1, "%s\t%s (%s)", name, req.String(), percent(req, alloc))
	}
}

func percent(used, of resource.Quantity) string {
	if of.IsZero() {
		return "0%"
	}
	return fmt.Sprintf("%d%%", used.MilliValue()*100/of.MilliValue())
}

// Service writes `describe service` text.
func Service(out io.Writer, now time.Time, s *corev1.Service, ep *corev1.Endpoints, events []corev1.Event) error {
	w := newWriter(out, now)
	w.meta(&s.ObjectMeta, true)
	w.stringMap(0, "Selector", s.Spec.Selector, "=")
	w.kv(0, "Type", s.Spec.Type)
	w.kv(0, "IP", orNone(s.Spec.ClusterIP))
	for _, p := range s.Spec.Ports {
		name := p.Name
		if name == "" {
			name = "<unset>"
		}
		w.kv(0, "Port", fmt.Sprintf("%s  %d/%s", name, p.Port, p.Protocol))
		w.kv(0, "TargetPort", fmt.Sprintf("%s/%s", p.TargetPort.String(), p.Protocol))
		if p.NodePort != 0 {
			w.kv(0, "NodePort", fmt.Sprintf("%s  %d/%s", name, p.NodePort, p.Protocol))
		}
		w.kv(0, "Endpoints", orNone(endpointsFor(ep, p)))
	}
	w.kv(0, "Session Affinity", s.Spec.SessionAffinity)
	w.events(events)
	return w.flush()
}

// endpointsFor lists "ip:port" for the service port's endpoints.
func endpointsFor(ep *corev1.Endpoints, sp corev1.ServicePort) string {
	if ep == nil {
		return ""
	}
	var out []string
	for _, sub := range ep.Subsets {
		for _, port := range sub.Ports {
			if port.Name != sp.Name {
				continue
			}
			for _, a := range sub.Addresses {
				out = append(out, fmt.Sprintf("%s:%d", a.IP, port.Port))
			}
		}
	}
	return strings.Join(out, ",")
}

// Deployment writes `describe deployment` text.
func Deployment(out io.Writer, now time.Time, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, oldRSs []appsv1.ReplicaSet, events []corev1.Event) error {
	w := newWriter(out, now)
	w.meta(&d.ObjectMeta, true)
	w.kv(0, "CreationTimestamp", d.CreationTimestamp.Time.Format(time.RFC1123Z))
	sel, _ := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	w.kv(0, "Selector", sel.String())
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	st := d.Status
	w.kv(0, "Replicas", fmt.Sprintf("%d desired | %d updated | %d total | %d available | %d unavailable",
		want, st.UpdatedReplicas, st.Replicas, st.AvailableReplicas, st.UnavailableReplicas))
	w.kv(0, "StrategyType", d.Spec.Strategy.Type)
	w.kv(0, "MinReadySeconds", d.Spec.MinReadySeconds)
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil && ru.MaxSurge != nil {
		w.kv(0, "RollingUpdateStrategy", fmt.Sprintf("%s max unavailable, %s max surge", ru.MaxUnavailable.String(), ru.MaxSurge.String()))
	}
	w.line(0, "Pod Template:")
	w.stringMap(1, "Labels", d.Spec.Template.Labels, "=")
	w.line(1, "Containers:")
	for _, c := range d.Spec.Template.Spec.Containers {
		w.line(2, "%s:", c.Name)
		w.kv(3, "Image", c.Image)
	}
	if len(st.Conditions) > 0 {
		w.line(0, "Conditions:")
		w.line(1, "Type\tStatus\tReason")
		w.line(1, "----\t------\t------")
		for _, c := range st.Conditions {
			w.line(1, "%s\t%s\t%s", c.Type, c.Status, c.Reason)
		}
	}
	var old []string
	for _, rs := range oldRSs {
		old = append(old, fmt.Sprintf("%s (%d/%d replicas created)", rs.Name, rs.Status.Replicas, ptrOr(rs.Spec.Replicas)))
	}
	w.kv(0, "OldReplicaSets", orNone(strings.Join(old, ", ")))
	newName := "<none>"
	if newRS != nil {
		newName = fmt.Sprintf("%s (%d/%d replicas created)", newRS.Name, newRS.Status.Replicas, ptrOr(newRS.Spec.Replicas))
	}
	w.kv(0, "NewReplicaSet", newName)
	w.events(events)
	return w.flush()
}

func ptrOr(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// Generic writes metadata and the rest of the object as indented YAML, for
// kinds without a dedicated describer.
func Generic(out io.Writer, now time.Time, meta *metav1.ObjectMeta, namespaced bool, obj map[string]any, events []corev1.Event) error {
	w := newWriter(out, now)
	w.meta(meta, namespaced)
	rest := map[string]any{}
	for k, v := range obj {
		if k != "metadata" && k != "apiVersion" && k != "kind" {
			rest[k] = v
		}
	}
	b, err := yaml.Marshal(rest)
	if err != nil {
		return err
	}
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if l != "{}" {
			w.line(0, "%s", l)
		}
	}
	w.events(events)
	return w.flush()
}
