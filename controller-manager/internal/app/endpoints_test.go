package app

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wharfhq/wharf/proto/client"
)

// runPod creates a pod exposing container port "web" and reports it
// running with ip, as a kubelet would.
func runPod(t *testing.T, ctx context.Context, c *client.Client, name, ip string, port int32, ready bool) {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "web",
			Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: port}}}}},
	}
	created, err := client.Pods(c, "default").Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	setPodStatus(t, ctx, c, created, ip, ready)
}

func setPodStatus(t *testing.T, ctx context.Context, c *client.Client, pod *corev1.Pod, ip string, ready bool) {
	t.Helper()
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	eventually(t, "pod status "+pod.Name, func() (bool, error) {
		cur, err := client.Pods(c, "default").Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		cur.Status.Phase, cur.Status.PodIP = corev1.PodRunning, ip
		cur.Status.PodIPs = []corev1.PodIP{{IP: ip}}
		cur.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
		_, err = client.Pods(c, "default").UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err == nil, err
	})
}

func TestEndpointsAndSlicesFollowPods(t *testing.T) {
	c := startControllers(t, "endpoints", "endpointslice")
	ctx := context.Background()
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("web")}}},
	}
	if _, err := client.Services(c, "default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	runPod(t, ctx, c, "a", "10.244.0.5", 8080, true)
	runPod(t, ctx, c, "b", "10.244.0.6", 9090, false)

	eventually(t, "endpoints with a ready and b not ready", func() (bool, error) {
		ep, err := client.Endpoints(c, "default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		got := fmt.Sprint(summarize(ep.Subsets))
		return got == "[ready=[10.244.0.5] notReady=[] ports=[8080] ready=[] notReady=[10.244.0.6] ports=[9090]]", fmt.Errorf("got %s", got)
	})
	eventually(t, "slices", func() (bool, error) {
		return slicesAre(ctx, c, "10.244.0.5:8080:true 10.244.0.6:9090:false")
	})

	// b becomes ready, a is deleted.
	b, err := client.Pods(c, "default").Get(ctx, "b", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	setPodStatus(t, ctx, c, b, "10.244.0.6", true)
	if err := client.Pods(c, "default").Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "endpoints with only b", func() (bool, error) {
		ep, err := client.Endpoints(c, "default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		got := fmt.Sprint(summarize(ep.Subsets))
		return got == "[ready=[10.244.0.6] notReady=[] ports=[9090]]", fmt.Errorf("got %s", got)
	})
	eventually(t, "slices with only b", func() (bool, error) { return slicesAre(ctx, c, "10.244.0.6:9090:true") })

	// The kubernetes service has no selector: its endpoints are not ours.
	sel := "kubernetes.io/service-name=kubernetes,endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io"
	if list, err := client.EndpointSlices(c, "default").List(ctx, metav1.ListOptions{LabelSelector: sel}); err != nil || len(list.Items) != 0 {
		t.Fatalf("controller-managed slices for the kubernetes service: %v %v", list, err)
	}

	// Deleting the service deletes its Endpoints.
	if err := client.Services(c, "default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "endpoints gone", func() (bool, error) {
		_, err := client.Endpoints(c, "default").Get(ctx, "web", metav1.GetOptions{})
		return err != nil, nil
	})
}

func summarize(subsets []corev1.EndpointSubset) []string {
	var out []string
	for _, s := range subsets {
		var r, nr, ports []string
		for _, a := range s.Addresses {
			r = append(r, a.IP)
		}
		for _, a := range s.NotReadyAddresses {
			nr = append(nr, a.IP)
		}
		for _, p := range s.Ports {
			ports = append(ports, fmt.Sprint(p.Port))
		}
		out = append(out, fmt.Sprintf("ready=%v notReady=%v ports=%v", r, nr, ports))
	}
	return out
}

// slicesAre checks the web service's slices hold exactly want
// ("ip:port:ready ..." sorted) and carry the upstream labels and
// owner.
func slicesAre(ctx context.Context, c *client.Client, want string) (bool, error) {
	list, err := client.EndpointSlices(c, "default").List(ctx, metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=web"})
	if err != nil {
		return false, err
	}
	var eps []string
	for _, s := range list.Items {
		if s.Labels[discoveryv1.LabelManagedBy] != "endpointslice-controller.k8s.io" || metav1.GetControllerOf(s) == nil {
			return false, fmt.Errorf("slice %s lacks managed-by label or owner", s.Name)
		}
		for _, ep := range s.Endpoints {
			eps = append(eps, fmt.Sprintf("%s:%d:%v", ep.Addresses[0], *s.Ports[0].Port, *ep.Conditions.Ready))
		}
	}
	sort.Strings(eps)
	got := strings.Join(eps, " ")
	return got == want, fmt.Errorf("got %q", got)
}
