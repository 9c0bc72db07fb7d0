// Package describe renders kubectl-style `describe` text for pods, nodes,
// services and deployments (and a generic form for everything else) from
// objects already fetched. It does no I/O besides writing the text.
package describe

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// writer writes "Key:  value" lines at indentation levels, aligned with a
// tabwriter as kubectl's PrefixWriter does.
type writer struct {
	tw  *tabwriter.Writer
	now time.Time
}

func newWriter(out io.Writer, now time.Time) *writer {
	return &writer{tw: tabwriter.NewWriter(out, 0, 8, 2, ' ', 0), now: now}
}

// line writes one line at level (two spaces per level).
func (w *writer) line(level int, format string, args ...any) {
	fmt.Fprintf(w.tw, strings.Repeat("  ", level)+format+"\n", args...)
}

func (w *writer) flush() error { return w.tw.Flush() }

// kv writes "Key:\tvalue".
func (w *writer) kv(level int, key string, value any) {
	w.line(level, "%s:\t%v", key, value)
}

// stringMap writes a map one "k=v" per line, or <none>.
func (w *writer) stringMap(level int, key string, m map[string]string, sep string) {
	if len(m) == 0 {
		w.kv(level, key, "<none>")
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		label := key + ":"
		if i > 0 {
			label = ""
		}
		w.line(level, "%s\t%s%s%s", label, k, sep, m[k])
	}
}

func (w *writer) meta(m *metav1.ObjectMeta, withNamespace bool) {
	w.kv(0, "Name", m.Name)
	if withNamespace {
		w.kv(0, "Namespace", m.Namespace)
	}
	w.stringMap(0, "Labels", m.Labels, "=")
	ann := map[string]string{}
	for k, v := range m.Annotations {
		if k != "kubectl.kubernetes.io/last-applied-configuration" {
			ann[k] = v
		}
	}
	w.stringMap(0, "Annotations", ann, ": ")
}

func (w *writer) age(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(w.now.Sub(t.Time))
}

// events writes the Events section as kubectl does.
func (w *writer) events(evs []corev1.Event) {
	if len(evs) == 0 {
		w.kv(0, "Events", "<none>")
		return
	}
	sort.SliceStable(evs, func(i, j int) bool { return eventTime(&evs[i]).Before(eventTime(&evs[j])) })
	w.line(0, "Events:")
	w.line(1, "Type\tReason\tAge\tFrom\tMessage")
	w.line(1, "----\t------\t----\t----\t-------")
	for _, e := range evs {
		age := w.age(metav1.NewTime(eventTime(&e)))
		if e.Count > 1 {
			age = fmt.Sprintf("%s (x%d over %s)", w.age(e.LastTimestamp), e.Count, w.age(e.FirstTimestamp))
		}
		from := e.Source.Component
		if from == "" {
			from = e.ReportingController
		}
		if e.Source.Host != "" {
			from += ", " + e.Source.Host
		}
		w.line(1, "%s\t%s\t%s\t%s\t%s", e.Type, e.Reason, age, from, strings.TrimSpace(e.Message))
	}
}

func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
