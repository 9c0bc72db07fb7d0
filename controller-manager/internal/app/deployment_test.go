package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wharfhq/wharf/controller-manager/internal/controller/deployment"
	"github.com/wharfhq/wharf/proto/client"
)

func newDeployment(name string, replicas int32, image string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	surge, unavailable := intstr.FromInt32(1), intstr.FromInt32(1)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}},
			},
		},
	}
}

// markReady plays kubelet: every pod that is not yet Ready becomes
// Running and Ready.
func markReady(ctx context.Context, c *client.Client, pods []*corev1.Pod) error {
	for _, p := range pods {
		if podReady(p) {
			continue
		}
		p = p.DeepCopy()
		now := metav1.Now()
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}
		if _, err := client.Pods(c, p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("marking %s ready: %w", p.Name, err)
		}
	}
	return nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// rollOut plays kubelet until the deployment is complete, asserting at
// every observed step that at most maxTotal pods exist and at least
// minReady are ready.
func rollOut(t *testing.T, ctx context.Context, c *client.Client, name string, maxTotal, minReady int) *appsv1.Deployment {
	t.Helper()
	var done *appsv1.Deployment
	eventually(t, "rollout of "+name, func() (bool, error) {
		pods, err := activePods(ctx, c, "default", "app="+name)
		if err != nil {
			return false, err
		}
		ready := 0
		for _, p := range pods {
			if podReady(p) {
				ready++
			}
		}
		if len(pods) > maxTotal || ready < minReady {
			t.Fatalf("rollout broke its bounds: %d pods (max %d), %d ready (min %d)", len(pods), maxTotal, ready, minReady)
		}
		if err := markReady(ctx, c, pods); err != nil {
			return false, err
		}
		d, err := client.Deployments(c, "default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		st, want := d.Status, *d.Spec.Replicas
		done = d
		return st.ObservedGeneration == d.Generation && st.UpdatedReplicas == want && st.Replicas == want &&
			st.AvailableReplicas == want && ready == int(want) && len(pods) == int(want), nil
	})
	return done
}

func ownedReplicaSets(ctx context.Context, t *testing.T, c *client.Client, d *appsv1.Deployment) map[string]*appsv1.ReplicaSet {
	t.Helper()
	list, err := client.ReplicaSets(c, "default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*appsv1.ReplicaSet{}
	for _, rs := range list.Items {
		if ref := metav1.GetControllerOf(rs); ref != nil && ref.UID == d.UID {
			out[rs.Name] = rs
		}
	}
	return out
}

func setImage(ctx context.Context, t *testing.T, c *client.Client, name string, edit func(*corev1.PodTemplateSpec)) {
	t.Helper()
	eventually(t, "update template", func() (bool, error) {
		d, err := client.Deployments(c, "default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		edit(&d.Spec.Template)
		_, err = client.Deployments(c, "default").Update(ctx, d, metav1.UpdateOptions{})
		return err == nil, err
	})
}

func TestDeploymentRollingUpdateAndRollback(t *testing.T) {
	c := startControllers(t, "deployment", "replicaset")
	ctx := context.Background()
	if _, err := client.Deployments(c, "default").Create(ctx, newDeployment("web", 3, "web:v1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d := rollOut(t, ctx, c, "web", 4, 0)
	rss := ownedReplicaSets(ctx, t, c, d)
	first := "web-" + deployment.ComputeHash(&d.Spec.Template, nil)
	if len(rss) != 1 || rss[first] == nil || rss[first].Annotations[deployment.RevisionAnnotation] != "1" {
		t.Fatalf("want one replica set %s at revision 1, got %v", first, keys(rss))
	}
	if rss[first].Spec.Template.Labels[deployment.HashLabel] == "" || rss[first].Spec.Selector.MatchLabels[deployment.HashLabel] == "" {
		t.Fatalf("replica set lacks the pod-template-hash label: %+v", rss[first].Spec)
	}
	v1 := rss[first].Spec.Template.DeepCopy()

	// Roll out v2: never more than 3+1 pods, never fewer than 3-1 ready.
	setImage(ctx, t, c, "web", func(p *corev1.PodTemplateSpec) { p.Spec.Containers[0].Image = "web:v2" })
	d = rollOut(t, ctx, c, "web", 4, 2)
	rss = ownedReplicaSets(ctx, t, c, d)
	second := "web-" + deployment.ComputeHash(&d.Spec.Template, nil)
	if len(rss) != 2 || rss[second] == nil || rss[second].Annotations[deployment.RevisionAnnotation] != "2" || *rss[first].Spec.Replicas != 0 {
		t.Fatalf("after v2 want %s at revision 2 and %s scaled to 0, got %v", second, first, keys(rss))
	}
	assertConditions(t, d)

	// Roll back the way `rollout undo` does: the old template comes back and
	// its replica set becomes the new one, at revision 3.
	setImage(ctx, t, c, "web", func(p *corev1.PodTemplateSpec) {
		*p = *v1.DeepCopy()
		delete(p.Labels, deployment.HashLabel)
	})
	d = rollOut(t, ctx, c, "web", 4, 2)
	rss = ownedReplicaSets(ctx, t, c, d)
	if len(rss) != 2 || *rss[first].Spec.Replicas != 3 || rss[first].Annotations[deployment.RevisionAnnotation] != "3" ||
		d.Annotations[deployment.RevisionAnnotation] != "3" {
		t.Fatalf("rollback should reuse %s at revision 3 (deployment at %q), got %v", first, d.Annotations[deployment.RevisionAnnotation], keys(rss))
	}
	assertEvent(ctx, t, c, "ScalingReplicaSet", "Scaled up replica set "+second+" to 1")
}

func keys(m map[string]*appsv1.ReplicaSet) []string {
	var out []string
	for k, rs := range m {
		out = append(out, fmt.Sprintf("%s(rev %s, %d)", k, rs.Annotations[deployment.RevisionAnnotation], *rs.Spec.Replicas))
	}
	return out
}

func assertConditions(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	var avail, prog bool
	for _, c := range d.Status.Conditions {
		avail = avail || (c.Type == appsv1.DeploymentAvailable && c.Status == corev1.ConditionTrue)
		prog = prog || (c.Type == appsv1.DeploymentProgressing && c.Reason == deployment.ReasonNewRSAvailable)
	}
	if !avail || !prog {
		t.Fatalf("want Available=True and Progressing/NewReplicaSetAvailable, got %+v", d.Status.Conditions)
	}
}

func assertEvent(ctx context.Context, t *testing.T, c *client.Client, reason, message string) {
	t.Helper()
	eventually(t, "event "+message, func() (bool, error) {
		list, err := client.Events(c, "default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range list.Items {
			if e.Reason == reason && e.Message == message {
				return true, nil
			}
		}
		return false, nil
	})
}

func TestDeploymentRecreateAndPause(t *testing.T) {
	c := startControllers(t, "deployment", "replicaset")
	ctx := context.Background()
	d := newDeployment("db", 2, "db:v1")
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	if _, err := client.Deployments(c, "default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rollOut(t, ctx, c, "db", 2, 0)
	// Recreate: old and new pods never coexist.
	setImage(ctx, t, c, "db", func(p *corev1.PodTemplateSpec) { p.Spec.Containers[0].Image = "db:v2" })
	eventually(t, "recreated", func() (bool, error) {
		pods, err := activePods(ctx, c, "default", "app=db")
		images := map[string]bool{}
		for _, p := range pods {
			images[p.Spec.Containers[0].Image] = true
		}
		if len(images) > 1 {
			t.Fatalf("old and new pods coexist under Recreate: %v", images)
		}
		if err == nil {
			err = markReady(ctx, c, pods)
		}
		return images["db:v2"] && len(pods) == 2, err
	})

	// Paused: template changes are not rolled out, scaling is.
	eventually(t, "pause and change", func() (bool, error) {
		cur, err := client.Deployments(c, "default").Get(ctx, "db", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		three := int32(3)
		cur.Spec.Paused, cur.Spec.Replicas = true, &three
		cur.Spec.Template.Spec.Containers[0].Image = "db:v3"
		_, err = client.Deployments(c, "default").Update(ctx, cur, metav1.UpdateOptions{})
		return err == nil, err
	})
	eventually(t, "3 pods of v2 while paused", func() (bool, error) {
		pods, err := activePods(ctx, c, "default", "app=db")
		for _, p := range pods {
			if p.Spec.Containers[0].Image != "db:v2" {
				t.Fatalf("paused deployment rolled out %s", p.Spec.Containers[0].Image)
			}
		}
		return len(pods) == 3, err
	})
	time.Sleep(300 * time.Millisecond)
	cur, _ := client.Deployments(c, "default").Get(ctx, "db", metav1.GetOptions{})
	if len(ownedReplicaSets(ctx, t, c, cur)) != 2 {
		t.Fatalf("paused deployment created a replica set")
	}
}

func TestDeploymentProgressDeadline(t *testing.T) {
	c := startControllers(t, "deployment", "replicaset")
	ctx := context.Background()
	d := newDeployment("stuck", 2, "stuck:v1")
	one := int32(1)
	d.Spec.ProgressDeadlineSeconds = &one
	if _, err := client.Deployments(c, "default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// No pod ever becomes ready: the rollout stalls and times out.
	eventually(t, "ProgressDeadlineExceeded", func() (bool, error) {
		cur, err := client.Deployments(c, "default").Get(ctx, "stuck", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, cond := range cur.Status.Conditions {
			if cond.Type == appsv1.DeploymentProgressing && cond.Status == corev1.ConditionFalse && cond.Reason == deployment.ReasonTimedOut {
				return cur.Status.UnavailableReplicas == 2, nil
			}
		}
		return false, nil
	})
}
