package eventsview

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func fullEvent() *eventsv1.Event {
	t := metav1.NewTime(time.Unix(1700000000, 0))
	mt := metav1.NewMicroTime(time.Unix(1700000000, 123000))
	return &eventsv1.Event{
		TypeMeta:   metav1.TypeMeta{APIVersion: "events.k8s.io/v1", Kind: "Event"},
		ObjectMeta: metav1.ObjectMeta{Name: "e", Namespace: "ns", ResourceVersion: "7", Labels: map[string]string{"a": "b"}},
		EventTime:  mt, Series: &eventsv1.EventSeries{Count: 3, LastObservedTime: mt},
		ReportingController: "c", ReportingInstance: "i", Action: "A", Reason: "R", Note: "N", Type: "Warning",
		Regarding:                corev1.ObjectReference{Kind: "Pod", Name: "p", Namespace: "ns", UID: "u", FieldPath: "spec"},
		Related:                  &corev1.ObjectReference{Kind: "Node", Name: "n"},
		DeprecatedSource:         corev1.EventSource{Component: "kubelet", Host: "h"},
		DeprecatedFirstTimestamp: t, DeprecatedLastTimestamp: t, DeprecatedCount: 9,
	}
}

func TestConversionRoundTrips(t *testing.T) {
	in := fullEvent()
	core := ToCore(in)
	if core.Message != "N" || core.InvolvedObject.Name != "p" || core.ReportingController != "c" || core.Source.Host != "h" ||
		core.Count != 9 || core.Series.Count != 3 || core.APIVersion != "v1" || core.Related.Name != "n" {
		t.Fatalf("ToCore %+v", core)
	}
	if back := FromCore(core); !reflect.DeepEqual(back, in) {
		t.Errorf("round trip\n got %+v\nwant %+v", back, in)
	}
	core.Related.Name = "changed"
	if in.Related.Name != "n" {
		t.Error("ToCore shares Related with its input")
	}
}

func TestFieldSelector(t *testing.T) {
	cases := map[string]string{
		"":                                    "",
		"regarding.name=p,type!=Normal":       "involvedObject.name=p,type!=Normal",
		"reportingController=c":               "reportingComponent=c",
		"metadata.name=x,regarding.kind==Pod": "metadata.name=x,involvedObject.kind=Pod",
	}
	for in, want := range cases {
		if got, err := FieldSelector(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"involvedObject.name=p", "note=x", "a=b=c=d,,"} {
		if got, err := FieldSelector(bad); err == nil {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
}

func TestMapRequest(t *testing.T) {
	ok := map[string]string{
		"events":                     "/api/v1/events",
		"namespaces/ns/events":       "/api/v1/namespaces/ns/events",
		"namespaces/ns/events/e":     "/api/v1/namespaces/ns/events/e",
		"watch/namespaces/ns/events": "/api/v1/watch/namespaces/ns/events",
	}
	for rest, want := range ok {
		tg, err := mapRequest(rest, url.Values{})
		if err != nil || tg.path != want {
			t.Errorf("%q: %+v %v", rest, tg, err)
		}
	}
	if tg, _ := mapRequest("watch/events", url.Values{}); !tg.watch {
		t.Error("watch/ prefix not a watch")
	}
	for _, rest := range []string{"", "pods", "namespaces/ns", "namespaces/ns/events/e/status", "namespaces//events"} {
		if tg, err := mapRequest(rest, url.Values{}); err == nil {
			t.Errorf("%q mapped to %+v", rest, tg)
		}
	}
	tg, err := mapRequest("events", url.Values{"fieldSelector": {"regarding.uid=u"}})
	if err != nil || tg.query.Get("fieldSelector") != "involvedObject.uid=u" {
		t.Errorf("selector: %+v %v", tg, err)
	}
}

func TestConvertAnswers(t *testing.T) {
	core, _ := json.Marshal(ToCore(fullEvent()))
	frame, err := convertFrame([]byte(`{"type":"ADDED","object":` + string(core) + "}\n"))
	if err != nil || !strings.HasSuffix(string(frame), "}\n") || !strings.Contains(string(frame), `"note":"N"`) ||
		!strings.Contains(string(frame), `"apiVersion":"events.k8s.io/v1"`) {
		t.Errorf("frame %s %v", frame, err)
	}
	list, _ := json.Marshal(corev1.EventList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "EventList"},
		ListMeta: metav1.ListMeta{ResourceVersion: "5"}, Items: []corev1.Event{*ToCore(fullEvent())}})
	var l eventsv1.EventList
	b, err := convertObject(list)
	if err != nil || json.Unmarshal(b, &l) != nil || l.Kind != "EventList" || l.ResourceVersion != "5" || l.Items[0].Note != "N" {
		t.Errorf("list %s %v", b, err)
	}
	st := `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"events \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"events"},"code":404}`
	if b, err := convertObject([]byte(st)); err != nil || !strings.Contains(string(b), `events.events.k8s.io \"x\" not found`) {
		t.Errorf("status %s %v", b, err)
	}
	if _, err := convertObject([]byte("not json")); err == nil {
		t.Error("garbage converted")
	}
}
