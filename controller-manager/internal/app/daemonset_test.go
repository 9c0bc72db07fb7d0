package app

import (
	"context"
	"fmt"
	"sort"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wharfhq/wharf/proto/client"
)

// daemonNode returns the node a daemon pod is pinned to by its affinity.
func daemonNode(p *corev1.Pod) string {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName
	}
	if a := p.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
			for _, f := range term.MatchFields {
				if f.Key == "metadata.name" && len(f.Values) == 1 {
					return f.Values[0]
				}
			}
		}
	}
	return ""
}

func editNode(ctx context.Context, t *testing.T, c *client.Client, name string, edit func(*corev1.Node)) {
	t.Helper()
	eventually(t, "edit node "+name, func() (bool, error) {
		n, err := client.Nodes(c).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		edit(n)
		_, err = client.Nodes(c).Update(ctx, n, metav1.UpdateOptions{})
		return err == nil, err
	})
}

// daemonPods maps node name to the image of its daemon pods.
func daemonPods(ctx context.Context, c *client.Client) (map[string][]string, []*corev1.Pod, error) {
	pods, err := activePods(ctx, c, "default", "app=agent")
	out := map[string][]string{}
	for _, p := range pods {
		out[daemonNode(p)] = append(out[daemonNode(p)], p.Spec.Containers[0].Image)
	}
	return out, pods, err
}

// createNodes makes n1..n3 labelled role=worker, n3 tainted NoSchedule,
// and an unlabelled n4.
func createNodes(ctx context.Context, t *testing.T, c *client.Client) {
	t.Helper()
	for _, name := range []string{"n1", "n2", "n3", "n4"} {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"role": "worker"}}}
		if name == "n4" {
			n.Labels = nil
		}
		if name == "n3" {
			n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule}}
		}
		if _, err := client.Nodes(c).Create(ctx, n, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDaemonSetPlacesRollsAndFollowsNodes(t *testing.T) {
	c := startControllers(t, "daemonset")
	ctx := context.Background()
	createNodes(ctx, t, c)
	one := intstr.FromInt32(1)
	labels := map[string]string{"app": "agent"}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "default"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &one}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{NodeSelector: map[string]string{"role": "worker"},
					Containers: []corev1.Container{{Name: "c", Image: "agent:v1"}}},
			},
		},
	}
	if _, err := client.DaemonSets(c, "default").Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// n3 is tainted and n4 unlabelled: pods on n1 and n2 only.
	eventually(t, "pods on n1 and n2", func() (bool, error) {
		byNode, pods, err := daemonPods(ctx, c)
		if err == nil {
			err = markReady(ctx, c, pods)
		}
		return len(pods) == 2 && len(byNode["n1"]) == 1 && len(byNode["n2"]) == 1, err
	})
	editNode(ctx, t, c, "n3", func(n *corev1.Node) { n.Spec.Taints = nil })
	eventually(t, "3 ready pods and status", func() (bool, error) {
		byNode, pods, err := daemonPods(ctx, c)
		if err == nil {
			err = markReady(ctx, c, pods)
		}
		cur, gerr := client.DaemonSets(c, "default").Get(ctx, "agent", metav1.GetOptions{})
		if gerr != nil {
			return false, gerr
		}
		st := cur.Status
		return len(byNode["n3"]) == 1 && len(pods) == 3 && st.DesiredNumberScheduled == 3 && st.CurrentNumberScheduled == 3 &&
			st.NumberReady == 3 && st.NumberAvailable == 3 && st.UpdatedNumberScheduled == 3 && st.ObservedGeneration == cur.Generation, err
	})

	// Roll out v2: never more than one node without a ready pod.
	eventually(t, "update template", func() (bool, error) {
		cur, err := client.DaemonSets(c, "default").Get(ctx, "agent", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		cur.Spec.Template.Spec.Containers[0].Image = "agent:v2"
		_, err = client.DaemonSets(c, "default").Update(ctx, cur, metav1.UpdateOptions{})
		return err == nil, err
	})
	eventually(t, "v2 on every node", func() (bool, error) {
		_, pods, err := daemonPods(ctx, c)
		if err != nil {
			return false, err
		}
		readyNodes, v2 := map[string]bool{}, 0
		for _, p := range pods {
			if podReady(p) {
				readyNodes[daemonNode(p)] = true
			}
			if p.Spec.Containers[0].Image == "agent:v2" {
				v2++
			}
		}
		if len(readyNodes) < 2 {
			t.Fatalf("rolling update left %d of 3 nodes with a ready pod (maxUnavailable 1)", len(readyNodes))
		}
		if err := markReady(ctx, c, pods); err != nil {
			return false, err
		}
		cur, err := client.DaemonSets(c, "default").Get(ctx, "agent", metav1.GetOptions{})
		return err == nil && v2 == 3 && len(pods) == 3 && cur.Status.UpdatedNumberScheduled == 3 && cur.Status.NumberAvailable == 3, err
	})

	// The template history is kept as ControllerRevisions 1 and 2.
	waitRevisions(ctx, t, c, 1, 2)

	// A node that stops matching loses its pod.
	editNode(ctx, t, c, "n1", func(n *corev1.Node) { delete(n.Labels, "role") })
	eventually(t, "pod leaves n1", func() (bool, error) {
		byNode, pods, err := daemonPods(ctx, c)
		cur, _ := client.DaemonSets(c, "default").Get(ctx, "agent", metav1.GetOptions{})
		return err == nil && len(byNode["n1"]) == 0 && len(pods) == 2 && cur != nil && cur.Status.DesiredNumberScheduled == 2, err
	})
}

// waitRevisions waits until the ControllerRevisions in default are
// exactly the numbers want.
func waitRevisions(ctx context.Context, t *testing.T, c *client.Client, want ...int64) {
	t.Helper()
	eventually(t, fmt.Sprintf("controller revisions %v", want), func() (bool, error) {
		list, err := client.ControllerRevisions(c, "default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		var got []int64
		for _, cr := range list.Items {
			got = append(got, cr.Revision)
		}
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		return fmt.Sprint(got) == fmt.Sprint(want), nil
	})
}
