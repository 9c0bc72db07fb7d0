package compat

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
)

const ns = metav1.NamespaceDefault

// start runs a fresh apiserver and returns it with a clientset built from
// the kubeconfig it wrote, as an upstream program would load it, with
// client-go's default content types (protobuf request bodies, JSON or
// protobuf accepted; Wharf answers JSON).
func start(t *testing.T, opts ...apiservertest.Option) (*apiservertest.Server, *kubernetes.Clientset) {
	t.Helper()
	s := apiservertest.Start(t, opts...)
	cfg := restConfig(t, s)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("clientset: %v", err)
	}
	return s, cs
}

// restConfig loads s.Kubeconfig with client-go's defaults, minus the
// client-side rate limit.
func restConfig(t *testing.T, s *apiservertest.Server) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig)
	if err != nil {
		t.Fatalf("load kubeconfig %s: %v", s.Kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 1000, 1000
	return cfg
}

func newPod(name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}},
		},
	}
}

func newService(name string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": name},
			Ports: []corev1.ServicePort{{
				Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}

func newDeployment(name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	replicas := int32(2)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "app", Image: "nginx:1.27"},
					{Name: "sidecar", Image: "busybox:1.36", Command: []string{"sleep", "3600"}},
				}},
			},
		},
	}
}

func podNames(l *corev1.PodList) []string {
	names := make([]string, 0, len(l.Items))
	for _, p := range l.Items {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

func serviceNames(l *corev1.ServiceList) []string {
	names := make([]string, 0, len(l.Items))
	for _, s := range l.Items {
		names = append(names, s.Name)
	}
	return names
}

func deploymentNames(l *appsv1.DeploymentList) []string {
	names := make([]string, 0, len(l.Items))
	for _, d := range l.Items {
		names = append(names, d.Name)
	}
	return names
}
