package eventsview

import (
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Group is the API group of the view.
const Group = "events.k8s.io"

// convertObject rewrites one JSON object of the core server's answer into
// the view: Events, EventLists and Tables of Events are converted,
// Statuses name the view's group, anything else passes unchanged.
func convertObject(b []byte) ([]byte, error) {
	var tm metav1.TypeMeta
	if err := json.Unmarshal(b, &tm); err != nil {
		return nil, fmt.Errorf("eventsview: decode answer: %w", err)
	}
	switch {
	case tm.APIVersion == "v1" && tm.Kind == "Event":
		var e corev1.Event
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("eventsview: decode Event: %w", err)
		}
		return json.Marshal(FromCore(&e))
	case tm.APIVersion == "v1" && tm.Kind == "EventList":
		return convertList(b)
	case tm.Kind == "Table":
		return convertTable(b)
	case tm.Kind == "Status":
		return convertStatus(b)
	}
	return b, nil
}

func convertList(b []byte) ([]byte, error) {
	var l corev1.EventList
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("eventsview: decode EventList: %w", err)
	}
	out := eventsv1.EventList{
		TypeMeta: metav1.TypeMeta{APIVersion: eventsv1.SchemeGroupVersion.String(), Kind: "EventList"},
		ListMeta: l.ListMeta,
		Items:    make([]eventsv1.Event, len(l.Items)),
	}
	for i := range l.Items {
		out.Items[i] = *FromCore(&l.Items[i])
	}
	return json.Marshal(&out)
}

// convertTable converts the full objects of Table rows (includeObject=Object).
func convertTable(b []byte) ([]byte, error) {
	var t metav1.Table
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("eventsview: decode Table: %w", err)
	}
	for i := range t.Rows {
		raw := t.Rows[i].Object.Raw
		if len(raw) == 0 {
			continue
		}
		conv, err := convertObject(raw)
		if err != nil {
			return nil, err
		}
		t.Rows[i].Object.Raw = conv
	}
	return json.Marshal(&t)
}

// convertStatus makes errors about "events" name events.events.k8s.io,
// as upstream's answers through this group do.
func convertStatus(b []byte) ([]byte, error) {
	var st metav1.Status
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("eventsview: decode Status: %w", err)
	}
	if d := st.Details; d != nil && d.Group == "" && d.Kind == "events" {
		d.Group = Group
		st.Message = strings.Replace(st.Message, "events ", "events."+Group+" ", 1)
	}
	return json.Marshal(&st)
}

// convertFrame converts one watch frame, {"type":...,"object":...}.
func convertFrame(line []byte) ([]byte, error) {
	var ev struct {
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	if err := json.Unmarshal(line, &ev); err != nil {
		return nil, fmt.Errorf("eventsview: decode watch frame: %w", err)
	}
	obj, err := convertObject(ev.Object)
	if err != nil {
		return nil, err
	}
	ev.Object = obj
	out, err := json.Marshal(&ev)
	if err != nil {
		return nil, fmt.Errorf("eventsview: encode watch frame: %w", err)
	}
	return append(out, '\n'), nil
}
