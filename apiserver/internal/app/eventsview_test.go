package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
)

const eventsV1 = "/apis/events.k8s.io/v1"

func viewEvent(name string) eventsv1.Event {
	now := metav1.NewMicroTime(time.Now().Truncate(time.Microsecond))
	return eventsv1.Event{
		TypeMeta:   metav1.TypeMeta{APIVersion: "events.k8s.io/v1", Kind: "Event"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		EventTime:  now, ReportingController: "example.com/ctl", ReportingInstance: "ctl-1",
		Action: "Scheduling", Reason: "Scheduled", Note: "placed on n1", Type: "Normal",
		Regarding: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p1", UID: "uid-p1", APIVersion: "v1"},
		Related:   &corev1.ObjectReference{Kind: "Node", Name: "n1", APIVersion: "v1"},
	}
}

func TestEventsViewCreateIsACoreEvent(t *testing.T) {
	e := startSecure(t, nil)
	admin := e.client(nil, "admin", "system:masters")
	in := viewEvent("e1")
	b, _ := json.Marshal(in)
	var created eventsv1.Event
	if err := json.Unmarshal([]byte(e.must(admin, "POST", eventsV1+"/namespaces/default/events", string(b), 201)), &created); err != nil {
		t.Fatal(err)
	}
	if created.APIVersion != "events.k8s.io/v1" || created.Note != in.Note || created.ResourceVersion == "" {
		t.Errorf("created %+v", created)
	}
	var core corev1.Event
	if err := json.Unmarshal([]byte(e.must(admin, "GET", "/api/v1/namespaces/default/events/e1", "", 200)), &core); err != nil {
		t.Fatal(err)
	}
	if core.Message != in.Note || core.InvolvedObject != in.Regarding || core.ReportingController != in.ReportingController ||
		core.ReportingInstance != in.ReportingInstance || core.Action != in.Action || core.Related == nil || core.Related.Name != "n1" ||
		!core.EventTime.Equal(&in.EventTime) || core.Type != "Normal" || core.Reason != "Scheduled" {
		t.Errorf("core view %+v", core)
	}
	// A merge patch through the view starts a series, seen in core.
	patch := `{"series":{"count":2,"lastObservedTime":"2026-01-02T03:04:05.000000Z"}}`
	code, body := e.doCT(admin, "PATCH", eventsV1+"/namespaces/default/events/e1", "application/merge-patch+json", patch)
	if code != 200 || !strings.Contains(body, `"series":{"count":2`) {
		t.Fatalf("patch: %d %s", code, body)
	}
	_ = json.Unmarshal([]byte(e.must(admin, "GET", "/api/v1/namespaces/default/events/e1", "", 200)), &core)
	if core.Series == nil || core.Series.Count != 2 || core.Message != in.Note {
		t.Errorf("core after patch %+v", core)
	}
	// Strict create checks of the view, and a readable 404.
	bad := viewEvent("e2")
	bad.EventTime, bad.DeprecatedCount = metav1.MicroTime{}, 3
	b, _ = json.Marshal(bad)
	code, body = e.do(admin, "POST", eventsV1+"/namespaces/default/events", string(b))
	if st := statusMessage(t, body); code != 422 || !strings.Contains(st.Message, "eventTime") || !strings.Contains(st.Message, "deprecatedCount") {
		t.Errorf("invalid create: %d %s", code, body)
	}
	code, body = e.do(admin, "GET", eventsV1+"/namespaces/default/events/nope", "")
	if st := statusMessage(t, body); code != 404 || st.Message != `events.events.k8s.io "nope" not found` {
		t.Errorf("missing: %d %s", code, body)
	}
	if code, body := e.do(admin, "GET", eventsV1+"/namespaces/default/pods", ""); code != 404 {
		t.Errorf("pods in the events group: %d %s", code, body)
	}
}

func TestEventsViewListsCoreEvents(t *testing.T) {
	e := startSecure(t, nil)
	admin := e.client(nil, "admin", "system:masters")
	first := metav1.NewTime(time.Now().Add(-time.Minute).Truncate(time.Second))
	core := corev1.Event{
		TypeMeta:       metav1.TypeMeta{APIVersion: "v1", Kind: "Event"},
		ObjectMeta:     metav1.ObjectMeta{Name: "c1", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p2"},
		Reason:         "Pulled", Message: "image pulled", Type: "Normal", Count: 4,
		Source:         corev1.EventSource{Component: "kubelet", Host: "n1"},
		FirstTimestamp: first, LastTimestamp: first,
	}
	b, _ := json.Marshal(core)
	e.must(admin, "POST", "/api/v1/namespaces/default/events", string(b), 201)
	other := core
	other.Name, other.InvolvedObject.Name = "c2", "p3"
	b, _ = json.Marshal(other)
	e.must(admin, "POST", "/api/v1/namespaces/default/events", string(b), 201)

	var l eventsv1.EventList
	body := e.must(admin, "GET", eventsV1+"/namespaces/default/events?fieldSelector=regarding.name%3Dp2", "", 200)
	if err := json.Unmarshal([]byte(body), &l); err != nil {
		t.Fatal(err)
	}
	if l.Kind != "EventList" || l.APIVersion != "events.k8s.io/v1" || len(l.Items) != 1 {
		t.Fatalf("list %s", body)
	}
	got := l.Items[0]
	if got.APIVersion != "events.k8s.io/v1" || got.Note != "image pulled" || got.Regarding.Name != "p2" || got.DeprecatedCount != 4 ||
		got.DeprecatedSource.Component != "kubelet" || !got.DeprecatedFirstTimestamp.Equal(&first) {
		t.Errorf("item %+v", got)
	}
	code, body := e.do(admin, "GET", eventsV1+"/events?fieldSelector=involvedObject.name%3Dp2", "")
	if code != 400 || !strings.Contains(body, "field label not supported") {
		t.Errorf("core field label through the view: %d %s", code, body)
	}
	if all := e.must(admin, "GET", eventsV1+"/events", "", 200); strings.Count(all, `"note":"image pulled"`) != 2 {
		t.Errorf("all namespaces: %s", all)
	}
}

func TestEventsViewWatchSeesCoreCreate(t *testing.T) {
	e := startSecure(t, nil)
	admin := e.client(nil, "admin", "system:masters")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.r.URL()+eventsV1+"/namespaces/default/events?watch=1", nil)
	resp, err := admin.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("watch: %d %s", resp.StatusCode, b)
	}
	b, _ := json.Marshal(corev1.Event{
		TypeMeta:       metav1.TypeMeta{APIVersion: "v1", Kind: "Event"},
		ObjectMeta:     metav1.ObjectMeta{Name: "w1", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p"},
		Reason:         "Started", Message: "started container", Type: "Normal",
	})
	e.must(admin, "POST", "/api/v1/namespaces/default/events", string(b), 201)
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() {
		t.Fatalf("no watch event: %v", sc.Err())
	}
	var ev struct {
		Type   string
		Object eventsv1.Event
	}
	if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
		t.Fatalf("%v in %s", err, sc.Bytes())
	}
	if ev.Type != "ADDED" || ev.Object.APIVersion != "events.k8s.io/v1" || ev.Object.Name != "w1" || ev.Object.Note != "started container" {
		t.Errorf("event %s", sc.Bytes())
	}
}

func TestEventsViewProtobufAndDiscovery(t *testing.T) {
	e := startSecure(t, nil)
	admin := e.client(nil, "admin", "system:masters")
	scheme := runtime.NewScheme()
	if err := eventsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	in := viewEvent("pb")
	var buf bytes.Buffer
	if err := protobuf.NewSerializer(scheme, scheme).Encode(&in, &buf); err != nil {
		t.Fatal(err)
	}
	if code, body := e.doCT(admin, "POST", eventsV1+"/namespaces/default/events", "application/vnd.kubernetes.protobuf", buf.String()); code != 201 ||
		!strings.Contains(body, `"reportingController":"example.com/ctl"`) {
		t.Errorf("protobuf create: %d %s", code, body)
	}
	var l metav1.APIResourceList
	if err := json.Unmarshal([]byte(e.must(admin, "GET", eventsV1, "", 200)), &l); err != nil {
		t.Fatal(err)
	}
	if len(l.APIResources) != 1 || l.APIResources[0].Name != "events" || len(l.APIResources[0].Verbs) != 8 || !l.APIResources[0].Namespaced {
		t.Errorf("discovery %+v", l)
	}
	// Authorization names the view's group: a user who may only create
	// core events may not create them through the view.
	e.must(admin, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"core-events"},
		 "rules":[{"apiGroups":[""],"resources":["events"],"verbs":["create"]}]}`, 201)
	e.must(admin, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"dave"},
		 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"core-events"},
		 "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"dave"}]}`, 201)
	dave := e.client(nil, "dave")
	b, _ := json.Marshal(viewEvent("d1"))
	if code, body := e.do(dave, "POST", eventsV1+"/namespaces/default/events", string(b)); code != 403 ||
		!strings.Contains(body, `in API group \"events.k8s.io\"`) {
		t.Errorf("dave through the view: %d %s", code, body)
	}
}

// doCT is do with a Content-Type.
func (e *secureEnv) doCT(c *http.Client, method, path, contentType, body string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.r.URL()+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
