package deployment

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// fakeCluster records the controller's writes and applies them to an
// in-memory set of ReplicaSets and one Deployment.
type fakeCluster struct {
	d       *appsv1.Deployment
	rss     map[string]*appsv1.ReplicaSet
	clock   int64
	actions []string
}

func (f *fakeCluster) CreateReplicaSet(_ context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
	rs = rs.DeepCopy()
	f.clock++
	rs.CreationTimestamp, rs.UID = metav1.Unix(f.clock, 0), types.UID(rs.Name)
	f.rss[rs.Name] = rs
	f.actions = append(f.actions, fmt.Sprintf("create %s %d", rs.Name, specOf(rs)))
	return rs, nil
}

func (f *fakeCluster) UpdateReplicaSet(_ context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
	if old := f.rss[rs.Name]; specOf(old) != specOf(rs) {
		f.actions = append(f.actions, fmt.Sprintf("scale %s %d", rs.Name, specOf(rs)))
	}
	f.rss[rs.Name] = rs.DeepCopy()
	return rs, nil
}

func (f *fakeCluster) DeleteReplicaSet(_ context.Context, _, name string) error {
	delete(f.rss, name)
	f.actions = append(f.actions, "delete "+name)
	return nil
}

func (f *fakeCluster) UpdateDeployment(_ context.Context, d *appsv1.Deployment) (*appsv1.Deployment, error) {
	f.d = d.DeepCopy()
	return d, nil
}

func (f *fakeCluster) UpdateDeploymentStatus(_ context.Context, d *appsv1.Deployment) (*appsv1.Deployment, error) {
	f.d.Status = *d.Status.DeepCopy()
	return d, nil
}

// settle plays the ReplicaSet controller and kubelets: pods exist as
// asked, and pods that existed before this step are available.
func (f *fakeCluster) settle() {
	for _, rs := range f.rss {
		rs.Status.AvailableReplicas = min(specOf(rs), rs.Status.Replicas)
		rs.Status.ReadyReplicas = rs.Status.AvailableReplicas
		rs.Status.Replicas = specOf(rs)
		rs.Status.ObservedGeneration = rs.Generation
	}
}

func (f *fakeCluster) list() []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, rs := range f.rss {
		out = append(out, rs)
	}
	return out
}

type nopRecorder struct{}

func (nopRecorder) Event(api.Object, string, string, string, ...any) {}

func TestRollingUpdateSimulation(t *testing.T) {
	for _, tc := range []struct{ surge, unavailable int32 }{{1, 0}, {0, 1}, {2, 2}, {1, 1}} {
		t.Run(fmt.Sprintf("surge%d-unavailable%d", tc.surge, tc.unavailable), func(t *testing.T) {
			d := rollingDeployment(5, intstr.FromInt32(tc.surge), intstr.FromInt32(tc.unavailable))
			d.Name, d.Namespace, d.UID = "web", "default", "d-uid"
			deadline := int32(600)
			d.Spec.ProgressDeadlineSeconds = &deadline
			d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
			d.Spec.Template = corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "v1"}}}}
			f := &fakeCluster{d: d, rss: map[string]*appsv1.ReplicaSet{}}
			c := &Controller{cfg: Config{RSControl: f, DControl: f, Recorder: nopRecorder{}, Logger: slog.Default(), Now: time.Now},
				queue: workqueue.New(workqueue.Config[string]{})}
			defer c.queue.ShutDown()
			run := func(check bool) {
				for step := 0; step < 40; step++ {
					if err := c.rolloutRolling(context.Background(), f.d.DeepCopy(), f.list()); err != nil {
						t.Fatal(err)
					}
					f.settle()
					var pods, avail int32
					for _, rs := range f.rss {
						pods += rs.Status.Replicas
						avail += rs.Status.AvailableReplicas
					}
					if check && (pods > 5+tc.surge || avail < 5-tc.unavailable) {
						t.Fatalf("step %d: %d pods, %d available; actions %v", step, pods, avail, f.actions)
					}
				}
			}
			run(false)
			f.d.Spec.Template.Spec.Containers[0].Image = "v2"
			run(true)
			newRS, old := splitReplicaSets(f.d, f.list())
			if newRS == nil || specOf(newRS) != 5 || len(old) != 1 || specOf(old[0]) != 0 || revision(newRS) != 2 {
				t.Fatalf("rollout did not finish: %v", f.actions)
			}
			if cond := getCondition(f.d.Status, appsv1.DeploymentProgressing); cond == nil || cond.Reason != ReasonNewRSAvailable {
				t.Fatalf("progressing condition %+v", cond)
			}
		})
	}
}
