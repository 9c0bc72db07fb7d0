package trim

import (
	"context"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
)

func fullService() *corev1.Service {
	ipt := corev1.ServiceInternalTrafficPolicyLocal
	secs := int32(60)
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", ResourceVersion: "7", UID: "u",
			Annotations: map[string]string{"big": "x"}, Labels: map[string]string{"app": "web"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "m"}}},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.96.0.1", ClusterIPs: []string{"10.96.0.1"},
			Selector: map[string]string{"app": "web"}, ExternalIPs: []string{"192.0.2.1"},
			Ports:           []corev1.ServicePort{{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, NodePort: 30080, TargetPort: intstr.FromInt32(8080)}},
			SessionAffinity: corev1.ServiceAffinityClientIP, InternalTrafficPolicy: &ipt,
			SessionAffinityConfig: &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: &secs}},
			ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyLocal},
	}
}

func TestService(t *testing.T) {
	in := fullService()
	got := Service(in)
	want := fullService()
	want.ObjectMeta = metav1.ObjectMeta{Name: "web", Namespace: "ns", ResourceVersion: "7", UID: "u"}
	want.Spec.ClusterIPs, want.Spec.Selector = nil, nil
	want.Spec.Ports[0].TargetPort = intstr.IntOrString{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Service:\n got %+v\nwant %+v", got, want)
	}
	if Service(nil) != nil || EndpointSlice(nil) != nil {
		t.Error("nil must stay nil")
	}
}

func TestEndpointSlice(t *testing.T) {
	yes, node, zone := true, "n1", "z"
	port, name := int32(8080), "http"
	in := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "web-1", Namespace: "ns", ResourceVersion: "9", Labels: map[string]string{discoveryv1.LabelServiceName: "web", "x": "y"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &port}},
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.1.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: &yes},
			NodeName: &node, Zone: &zone, TargetRef: &corev1.ObjectReference{Name: "pod"}}},
	}
	got := EndpointSlice(in)
	want := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "web-1", Namespace: "ns", ResourceVersion: "9", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
		AddressType: discoveryv1.AddressTypeIPv4, Ports: in.Ports,
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.1.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: &yes}, NodeName: &node}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("EndpointSlice:\n got %+v\nwant %+v", got, want)
	}
}

type fakeLW struct {
	list *client.List[*corev1.Service]
	w    *fakeWatch
}

func (f fakeLW) List(context.Context, metav1.ListOptions) (*client.List[*corev1.Service], error) {
	return f.list, nil
}

func (f fakeLW) Watch(context.Context, metav1.ListOptions) (informer.Watcher[*corev1.Service], error) {
	return f.w, nil
}

type fakeWatch struct {
	ch chan client.Event[*corev1.Service]
}

func (w *fakeWatch) Events() <-chan client.Event[*corev1.Service] { return w.ch }
func (w *fakeWatch) Stop()                                        {}

func TestSource(t *testing.T) {
	fw := &fakeWatch{ch: make(chan client.Event[*corev1.Service], 3)}
	lw := Source(informer.ListerWatcher[*corev1.Service](fakeLW{
		list: &client.List[*corev1.Service]{Items: []*corev1.Service{fullService()}}, w: fw}), Service)
	l, err := lw.List(context.Background(), metav1.ListOptions{})
	if err != nil || len(l.Items) != 1 || l.Items[0].Annotations != nil || l.Items[0].Name != "web" {
		t.Fatalf("List: %+v %v", l, err)
	}
	w, err := lw.Watch(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fw.ch <- client.Event[*corev1.Service]{Type: watch.Modified, Object: fullService()}
	bookmark := &corev1.Service{ObjectMeta: metav1.ObjectMeta{ResourceVersion: "42", Annotations: map[string]string{"k": "v"}}}
	fw.ch <- client.Event[*corev1.Service]{Type: watch.Bookmark, Object: bookmark}
	close(fw.ch)
	if ev := <-w.Events(); ev.Type != watch.Modified || ev.Object.Labels != nil || ev.Object.Spec.ClusterIP != "10.96.0.1" {
		t.Errorf("modified event: %+v", ev)
	}
	if ev := <-w.Events(); ev.Object != bookmark {
		t.Errorf("bookmarks must pass unchanged: %+v", ev)
	}
	if _, ok := <-w.Events(); ok {
		t.Error("events must close with the inner stream")
	}
	w.Stop()
	w.Stop()
}

func TestMergeEndpoints(t *testing.T) {
	yes, no, n1, n2 := true, false, "n1", "n2"
	in := []discoveryv1.Endpoint{
		{Addresses: []string{"10.0.0.1"}},
		{Addresses: []string{"10.0.0.2"}, NodeName: &n1},
		{Addresses: []string{"10.0.0.3"}},
		{Addresses: []string{"10.0.0.4"}, Conditions: discoveryv1.EndpointConditions{Ready: &no}},
		{Addresses: []string{"10.0.0.5"}, Conditions: discoveryv1.EndpointConditions{Ready: &yes}},
		{Addresses: []string{"10.0.0.6"}, NodeName: &n2},
		{Addresses: []string{"10.0.0.7", "10.0.0.8"}, NodeName: &n1},
	}
	got := mergeEndpoints(in)
	want := [][]string{{"10.0.0.1", "10.0.0.3"}, {"10.0.0.2", "10.0.0.7", "10.0.0.8"}, {"10.0.0.4"}, {"10.0.0.5"}, {"10.0.0.6"}}
	if len(got) != len(want) {
		t.Fatalf("got %d endpoints, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i].Addresses, want[i]) {
			t.Errorf("endpoint %d: %v, want %v", i, got[i].Addresses, want[i])
		}
	}
	if *got[1].NodeName != "n1" || *got[2].Conditions.Ready || got[4].NodeName == nil || *got[4].NodeName != "n2" {
		t.Errorf("conditions or node names lost: %+v", got)
	}
	if in[0].Addresses[0] != "10.0.0.1" || len(in[0].Addresses) != 1 {
		t.Error("input modified")
	}
}
