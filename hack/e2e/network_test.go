package e2e

import (
	"fmt"
	"net"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wharfhq/wharf/hack/cluster"
	"github.com/wharfhq/wharf/proto/client"
)

// network: pods on two nodes reach each other by pod IP (flannel VXLAN)
// and through a ClusterIP whose only endpoint is on the other node; a
// NodePort answers on every node's address from every node.
func network(t *testing.T, e *env) {
	e.require(t, cluster.BinScheduler, cluster.BinControllerManager, cluster.BinKubelet, cluster.BinFlannel)
	nodes := e.c.Nodes()
	if len(nodes) < 2 {
		t.Fatalf("network needs 2 nodes, cluster has %v", nodes)
	}
	ctx := timeout(t, 2*time.Minute)
	const ns = "net"
	e.createNamespace(ctx, t, ns)
	ips := map[string]string{} // node → IP of its hello pod
	for i, n := range nodes[:2] {
		name := fmt.Sprintf("srv-%d", i+1)
		pod := helloPod(name, n, map[string]string{"app": "srv", "pod": name})
		if _, err := client.Pods(e.cl, ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		ips[n] = e.waitPod(ctx, t, ns, name, "Running", running).Status.PodIP
	}
	// Each check gets its own deadline, so one failure does not starve
	// the next.
	t.Run("pod IP", func(t *testing.T) {
		ctx := timeout(t, 90*time.Second)
		e.runFetch(ctx, t, ns, "fetch-1to2", nodes[0], "http://"+net.JoinHostPort(ips[nodes[1]], "8080")+"/")
		e.runFetch(ctx, t, ns, "fetch-2to1", nodes[1], "http://"+net.JoinHostPort(ips[nodes[0]], "8080")+"/")
	})
	t.Run("ClusterIP", func(t *testing.T) {
		ctx := timeout(t, 90*time.Second)
		e.require(t, cluster.BinProxy)
		svc := e.createService(t, ns, "remote", corev1.ServiceTypeClusterIP, map[string]string{"pod": "srv-2"})
		url := "http://" + net.JoinHostPort(svc.Spec.ClusterIP, "80") + "/"
		e.runFetch(ctx, t, ns, "fetch-svc", nodes[0], url)
		e.waitHTTP(ctx, t, nodes[0], url, hello) // node (host network) → ClusterIP too
	})
	t.Run("NodePort", func(t *testing.T) {
		ctx := timeout(t, 90*time.Second)
		e.require(t, cluster.BinProxy)
		svc := e.createService(t, ns, "np", corev1.ServiceTypeNodePort, map[string]string{"app": "srv"})
		port := svc.Spec.Ports[0].NodePort
		if port == 0 {
			t.Fatalf("NodePort service got no nodePort: %+v", svc.Spec.Ports)
		}
		for _, from := range nodes {
			for _, to := range nodes {
				url := fmt.Sprintf("http://%s/", net.JoinHostPort(e.c.NodeIP(to), fmt.Sprint(port)))
				e.waitHTTP(ctx, t, from, url, hello)
			}
		}
	})
}

// createService creates a Service port 80 → 8080 selecting selector.
func (e *env) createService(t *testing.T, ns, name string, typ corev1.ServiceType, selector map[string]string) *corev1.Service {
	t.Helper()
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{Type: typ, Selector: selector,
			Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}}}
	out, err := client.Services(e.cl, ns).Create(t.Context(), svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
