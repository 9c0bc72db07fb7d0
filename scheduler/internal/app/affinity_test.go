package app

import (
	"context"
	"errors"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
	tp "github.com/wharfhq/wharf/scheduler/internal/testpods"
)

func zone(z string) func(*corev1.Node) {
	return func(n *corev1.Node) { n.Labels["topology.kubernetes.io/zone"] = z }
}

func labelled(app string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Labels = map[string]string{"app": app} }
}

func onHost(node string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": node} }
}

func inNamespace(ns string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Namespace = ns } }

// affinityTo requires a pod labelled app=<app> in the same topology domain.
func affinityTo(key, app string, nsSel map[string]string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		t := corev1.PodAffinityTerm{TopologyKey: key,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}}
		if nsSel != nil {
			t.NamespaceSelector = &metav1.LabelSelector{MatchLabels: nsSel}
		}
		p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{t}}}
	}
}

func (k *cluster) podIn(ns, name string) (*corev1.Pod, error) {
	return client.Pods(k.c, ns).Get(context.Background(), name, metav1.GetOptions{})
}

// TestPodAffinityWaitsForItsGroup: a pod with required zone affinity waits
// until the pod it follows is bound, then joins it in its zone.
func TestPodAffinityWaitsForItsGroup(t *testing.T) {
	k := newCluster(t)
	k.createNode(tp.Node("a", "4", "8Gi", zone("z1")))
	k.createNode(tp.Node("b", "4", "8Gi", zone("z1")))
	k.createNode(tp.Node("c", "4", "8Gi", zone("z2")))
	k.startScheduler(Options{})

	k.createPod(tp.Pod("follower", "100m", "", affinityTo("topology.kubernetes.io/zone", "db", nil)))
	k.eventually("follower reported unschedulable", func() (bool, error) {
		p, err := k.podIn("default", "follower")
		if err != nil {
			return false, err
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
				return true, nil
			}
		}
		return false, fmt.Errorf("follower on %q, no PodScheduled=False", p.Spec.NodeName)
	})
	k.createPod(tp.Pod("db", "100m", "", labelled("db"), onHost("c")))
	k.createPod(tp.Pod("sidecar", "100m", "", affinityTo("kubernetes.io/hostname", "db", nil)))
	for pod, want := range map[string]string{"db": "c", "follower": "c", "sidecar": "c"} {
		if got := k.nodeOf(pod); got != want {
			t.Errorf("%s on %s, want %s", pod, got, want)
		}
	}
}

// TestPodAffinityNamespaceSelector: a term's namespaceSelector reaches pods
// in other namespaces chosen by their labels.
func TestPodAffinityNamespaceSelector(t *testing.T) {
	k := newCluster(t)
	ctx := context.Background()
	for name, lbls := range map[string]map[string]string{"team-x": {"team": "x"}, "team-y": {"team": "y"}} {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls}}
		if _, err := client.Namespaces(k.c).Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"a", "b", "c"} {
		k.createNode(tp.Node(n, "4", "8Gi"))
	}
	k.startScheduler(Options{})
	k.createPod(tp.Pod("cache-x", "100m", "", labelled("cache"), onHost("b"), inNamespace("team-x")))
	k.createPod(tp.Pod("cache-y", "100m", "", labelled("cache"), onHost("c"), inNamespace("team-y")))
	host := "kubernetes.io/hostname"
	for i := range 3 {
		k.createPod(tp.Pod(fmt.Sprintf("client-%d", i), "100m", "", affinityTo(host, "cache", map[string]string{"team": "x"})))
	}
	for i := range 3 {
		if got := k.nodeOf(fmt.Sprintf("client-%d", i)); got != "b" {
			t.Errorf("client-%d on %s, want b (where the team-x cache runs)", i, got)
		}
	}
}

// TestPreemption: a high-priority pod evicts just enough lower-priority
// pods, is nominated to their node and lands there.
func TestPreemption(t *testing.T) {
	k := newCluster(t)
	k.createNode(tp.Node("a", "2", "8Gi"))
	k.startScheduler(Options{})
	prio := func(p int32) func(*corev1.Pod) {
		return func(pod *corev1.Pod) {
			pod.Spec.Priority = &p
			zero := int64(0)
			pod.Spec.TerminationGracePeriodSeconds = &zero
		}
	}
	k.createPod(tp.Pod("peer", "500m", "", prio(100)))
	k.createPod(tp.Pod("keep", "300m", "", prio(1)))
	k.createPod(tp.Pod("low", "700m", "", prio(1)))
	for _, p := range []string{"peer", "keep", "low"} {
		k.nodeOf(p)
	}
	// vip fits once low is gone; keep (same priority as low) may stay and
	// peer (same priority as vip) is never a victim.
	k.createPod(tp.Pod("vip", "1", "", prio(100)))
	if got := k.nodeOf("vip"); got != "a" {
		t.Fatalf("vip on %s, want a", got)
	}
	if _, err := k.podIn("default", "low"); !apierrors.IsNotFound(err) {
		t.Fatalf("low must be evicted, get: %v", err)
	}
	for _, name := range []string{"peer", "keep"} {
		if p, err := k.podIn("default", name); err != nil || p.Spec.NodeName != "a" {
			t.Fatalf("%s must survive on a: %v", name, err)
		}
	}
	if p, _ := k.podIn("default", "vip"); p.Status.NominatedNodeName != "a" {
		t.Errorf("vip status.nominatedNodeName = %q, want a", p.Status.NominatedNodeName)
	}
	k.expectPreemptedEvent()
}

func (k *cluster) expectPreemptedEvent() {
	k.t.Helper()
	k.eventually("Preempted event", func() (bool, error) {
		evs, err := client.Events(k.c, "default").List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range evs.Items {
			if e.Reason == "Preempted" {
				return true, nil
			}
		}
		return false, errors.New("no Preempted event")
	})
}
