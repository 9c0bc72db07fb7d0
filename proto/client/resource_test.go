package client

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/proto/api"
)

const podJSON = `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p1","namespace":"ns1","resourceVersion":"7"},
  "spec":{"nodeName":"n1","containers":[{"name":"c","image":"i","resources":{"requests":{"cpu":"100m"}}}]}}`

func ptr[T any](v T) *T { return &v }

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestGetPathQueryAndTypeMeta(t *testing.T) {
	rec := newRecorder(t, respond(200, podJSON))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	pod, err := Pods(c, "ns1").Get(context.Background(), "p1", metav1.GetOptions{ResourceVersion: "5"})
	if err != nil {
		t.Fatal(err)
	}
	got := rec.last()
	if got.Method != "GET" || got.Path != "/api/v1/namespaces/ns1/pods/p1" || got.RawQuery != "resourceVersion=5" {
		t.Errorf("request = %s %s?%s", got.Method, got.Path, got.RawQuery)
	}
	if pod.Kind != "Pod" || pod.APIVersion != "v1" || pod.Spec.NodeName != "n1" || pod.ResourceVersion != "7" {
		t.Errorf("pod = %+v", pod)
	}
	if q := pod.Spec.Containers[0].Resources.Requests.Cpu().MilliValue(); q != 100 {
		t.Errorf("cpu = %d", q)
	}
}

func TestListQueryEncodingMatchesClientGo(t *testing.T) {
	rec := newRecorder(t, respond(200, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42","continue":"next","remainingItemCount":3},"items":[`+podJSON+`]}`))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	l, err := Pods(c, "").List(context.Background(), metav1.ListOptions{
		LabelSelector: "app=web,tier!=db", FieldSelector: "spec.nodeName=n1", ResourceVersion: "10",
		ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan, Limit: 500, Continue: "tok",
		TimeoutSeconds: ptr(int64(30)), AllowWatchBookmarks: true, SendInitialEvents: ptr(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := rec.last()
	if got.Path != "/api/v1/pods" {
		t.Errorf("path = %s", got.Path)
	}
	want := mustQuery(t, "labelSelector=app%3Dweb%2Ctier%21%3Ddb&fieldSelector=spec.nodeName%3Dn1&resourceVersion=10"+
		"&resourceVersionMatch=NotOlderThan&limit=500&continue=tok&timeoutSeconds=30&allowWatchBookmarks=true&sendInitialEvents=true")
	if q := mustQuery(t, got.RawQuery); !reflect.DeepEqual(q, want) {
		t.Errorf("query = %v\nwant    %v", q, want)
	}
	if l.ResourceVersion != "42" || l.Continue != "next" || l.RemainingItemCount == nil || *l.RemainingItemCount != 3 {
		t.Errorf("list meta = %+v", l)
	}
	if len(l.Items) != 1 || l.Items[0].Name != "p1" || l.Items[0].Spec.NodeName != "n1" {
		t.Errorf("items = %+v", l.Items)
	}
}

func TestWriteVerbs(t *testing.T) {
	rec := newRecorder(t, respond(200, `{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"d","namespace":"ns"}}`))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	ctx := context.Background()
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns"}}
	deps := Deployments(c, "")
	check := func(method, path, query string) recorded {
		t.Helper()
		got := rec.last()
		if got.Method != method || got.Path != path || !reflect.DeepEqual(mustQuery(t, got.RawQuery), mustQuery(t, query)) {
			t.Errorf("request = %s %s?%s, want %s %s?%s", got.Method, got.Path, got.RawQuery, method, path, query)
		}
		return got
	}

	if _, err := deps.Create(ctx, d, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: "m", FieldValidation: "Strict"}); err != nil {
		t.Fatal(err)
	}
	got := check("POST", "/apis/apps/v1/namespaces/ns/deployments", "dryRun=All&fieldManager=m&fieldValidation=Strict")
	var sent appsv1.Deployment
	if err := json.Unmarshal(got.Body, &sent); err != nil || sent.Name != "d" {
		t.Errorf("body = %s (%v)", got.Body, err)
	}

	if _, err := deps.Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	check("PUT", "/apis/apps/v1/namespaces/ns/deployments/d", "")
	if _, err := deps.UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	check("PUT", "/apis/apps/v1/namespaces/ns/deployments/d/status", "")

	_, err := deps.Namespace("ns").Patch(ctx, "d", types.StrategicMergePatchType, []byte(`{"spec":{}}`),
		metav1.PatchOptions{FieldManager: "m", Force: ptr(true)}, "status")
	if err != nil {
		t.Fatal(err)
	}
	got = check("PATCH", "/apis/apps/v1/namespaces/ns/deployments/d/status", "fieldManager=m&force=true")
	if ct := got.Header.Get("Content-Type"); ct != string(types.StrategicMergePatchType) {
		t.Errorf("patch content type = %q", ct)
	}

	if err := deps.Namespace("ns").Delete(ctx, "d", metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletePropagationForeground)}); err != nil {
		t.Fatal(err)
	}
	got = check("DELETE", "/apis/apps/v1/namespaces/ns/deployments/d", "")
	var do metav1.DeleteOptions
	if err := json.Unmarshal(got.Body, &do); err != nil || do.PropagationPolicy == nil || *do.PropagationPolicy != "Foreground" || do.Kind != "DeleteOptions" {
		t.Errorf("delete body = %s (%v)", got.Body, err)
	}

	if err := deps.Namespace("ns").DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "a=b"}); err != nil {
		t.Fatal(err)
	}
	check("DELETE", "/apis/apps/v1/namespaces/ns/deployments", "labelSelector=a%3Db")
}

func TestClusterScopedPaths(t *testing.T) {
	rec := newRecorder(t, respond(200, `{"kind":"Node","apiVersion":"v1","metadata":{"name":"n1"}}`))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	if _, err := Nodes(c).Namespace("ignored").Get(context.Background(), "n1", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if p := rec.last().Path; p != "/api/v1/nodes/n1" {
		t.Errorf("path = %s", p)
	}
	_, _ = ClusterRoles(c).List(context.Background(), metav1.ListOptions{})
	if p := rec.last().Path; p != "/apis/rbac.authorization.k8s.io/v1/clusterroles" {
		t.Errorf("path = %s", p)
	}
}

func TestBadInputNeverReachesServer(t *testing.T) {
	rec := newRecorder(t, respond(200, podJSON))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	ctx := context.Background()
	errs := []error{}
	_, err := Pods(c, "ns").Get(ctx, "", metav1.GetOptions{})
	errs = append(errs, err)
	_, err = Pods(c, "ns").Get(ctx, "../secrets/x", metav1.GetOptions{})
	errs = append(errs, err)
	_, err = Pods(c, "").Get(ctx, "p", metav1.GetOptions{})
	errs = append(errs, err)
	_, err = Pods(c, "a/b").List(ctx, metav1.ListOptions{})
	errs = append(errs, err)
	_, err = Pods(c, "").Create(ctx, &corev1.Pod{}, metav1.CreateOptions{})
	errs = append(errs, err)
	_, err = Pods(c, "ns").Update(ctx, &corev1.Pod{}, metav1.UpdateOptions{})
	errs = append(errs, err)
	_, err = Pods(c, "ns").Patch(ctx, "p", "", nil, metav1.PatchOptions{})
	errs = append(errs, err)
	errs = append(errs, Pods(c, "ns").Delete(ctx, "..", metav1.DeleteOptions{}))
	for i, err := range errs {
		if !apierrors.IsBadRequest(err) {
			t.Errorf("case %d: err = %v, want BadRequest", i, err)
		}
	}
	var nilPod *corev1.Pod
	if _, err := Pods(c, "ns").Create(ctx, nilPod, metav1.CreateOptions{}); err == nil {
		t.Error("nil object accepted")
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("server saw %d requests", n)
	}
}

func TestUnstructuredListGetsKind(t *testing.T) {
	rec := newRecorder(t, respond(200, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},
	  "items":[{"metadata":{"name":"a","namespace":"x"},"spec":{"priority":5}}]}`))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	info, _ := api.Lookup("", "v1", "pods")
	l, err := NewResource[*unstructured.Unstructured](c, info).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	u := l.Items[0]
	if u.GetKind() != "Pod" || u.GetAPIVersion() != "v1" || u.GetName() != "a" {
		t.Errorf("item = %v", u.Object)
	}
	if p, _, _ := unstructured.NestedInt64(u.Object, "spec", "priority"); p != 5 {
		t.Errorf("priority = %v (int64 conversion)", u.Object["spec"])
	}
}

func TestSubresources(t *testing.T) {
	rec := newRecorder(t, respond(201, `{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"d"},"spec":{"replicas":3},"status":{"replicas":1}}`))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	ctx := context.Background()
	s, err := Deployments(c, "ns").GetScale(ctx, "d")
	if err != nil || s.Spec.Replicas != 3 || rec.last().Path != "/apis/apps/v1/namespaces/ns/deployments/d/scale" {
		t.Fatalf("GetScale = %+v, %v, %s", s, err, rec.last().Path)
	}
	if _, err := ReplicationControllers(c, "ns").UpdateScale(ctx, "rc", &autoscalingv1.Scale{Spec: autoscalingv1.ScaleSpec{Replicas: 3}}); err != nil {
		t.Fatal(err)
	}
	if got := rec.last(); got.Method != "PUT" || got.Path != "/api/v1/namespaces/ns/replicationcontrollers/rc/scale" {
		t.Errorf("UpdateScale request = %s %s", got.Method, got.Path)
	}

	b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Target: corev1.ObjectReference{Kind: "Node", Name: "n1"}}
	if err := Bind(ctx, c, b); err != nil {
		t.Fatal(err)
	}
	got := rec.last()
	var sent corev1.Binding
	if got.Method != "POST" || got.Path != "/api/v1/namespaces/ns/pods/p/binding" || json.Unmarshal(got.Body, &sent) != nil ||
		sent.Target.Name != "n1" || sent.Kind != "Binding" {
		t.Errorf("bind request = %s %s %s", got.Method, got.Path, got.Body)
	}
	if err := Evict(ctx, c, "ns", "p", nil); err != nil || rec.last().Path != "/api/v1/namespaces/ns/pods/p/eviction" {
		t.Errorf("evict: %v %s", err, rec.last().Path)
	}
}

func TestPodLogsStreams(t *testing.T) {
	rec := newRecorder(t, respond(200, "line1\nline2\n"))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	rc, err := PodLogs(context.Background(), c, "ns", "p", &corev1.PodLogOptions{Container: "c", Follow: true, TailLines: ptr(int64(10))})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := make([]byte, 64)
	n, _ := rc.Read(buf)
	if string(buf[:n]) != "line1\nline2\n" {
		t.Errorf("log = %q", buf[:n])
	}
	got := rec.last()
	if got.Path != "/api/v1/namespaces/ns/pods/p/log" ||
		!reflect.DeepEqual(mustQuery(t, got.RawQuery), mustQuery(t, "container=c&follow=true&tailLines=10")) {
		t.Errorf("request = %s?%s", got.Path, got.RawQuery)
	}
}

// entry pairs an accessor's catalogue entry with its Go type argument.
type entry struct {
	info *api.Info
	typ  reflect.Type
}

func entryOf[T api.Object](r *Resource[T]) entry {
	var zero T
	return entry{r.info, reflect.TypeOf(zero)}
}

func TestTypedAccessorsCoverCatalogue(t *testing.T) {
	c, _ := newTestClient(t, Config{Host: "http://127.0.0.1:1"})
	entries := []entry{
		entryOf(Pods(c, "")), entryOf(Nodes(c)), entryOf(Services(c, "")), entryOf(Endpoints(c, "")),
		entryOf(ConfigMaps(c, "")), entryOf(Secrets(c, "")), entryOf(Events(c, "")), entryOf(ServiceAccounts(c, "")),
		entryOf(ReplicationControllers(c, "")), entryOf(Namespaces(c)), entryOf(PersistentVolumes(c)),
		entryOf(PersistentVolumeClaims(c, "")), entryOf(LimitRanges(c, "")), entryOf(ResourceQuotas(c, "")),
		entryOf(Deployments(c, "")), entryOf(ReplicaSets(c, "")), entryOf(DaemonSets(c, "")),
		entryOf(StatefulSets(c, "")), entryOf(ControllerRevisions(c, "")), entryOf(Jobs(c, "")),
		entryOf(CronJobs(c, "")), entryOf(EndpointSlices(c, "")), entryOf(Leases(c, "")), entryOf(Roles(c, "")),
		entryOf(RoleBindings(c, "")), entryOf(ClusterRoles(c)), entryOf(ClusterRoleBindings(c)),
		entryOf(Ingresses(c, "")), entryOf(IngressClasses(c)), entryOf(NetworkPolicies(c, "")),
		entryOf(PodDisruptionBudgets(c, "")), entryOf(StorageClasses(c)), entryOf(CSINodes(c)), entryOf(CSIDrivers(c)),
		entryOf(CSIStorageCapacities(c, "")), entryOf(VolumeAttachments(c)), entryOf(ResourceClaims(c, "")),
		entryOf(ResourceClaimTemplates(c, "")), entryOf(ResourceSlices(c)), entryOf(DeviceClasses(c)), entryOf(DeviceTaintRules(c)),
	}
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.info.Resource] = true
		if want := reflect.TypeOf(e.info.New()); e.typ != want {
			t.Errorf("%s: accessor type %v, catalogue type %v", e.info.Resource, e.typ, want)
		}
	}
	for _, i := range api.All() {
		if !seen[i.Resource] {
			t.Errorf("no typed accessor for %s", i.Resource)
		}
	}
}
