// Package events records Kubernetes Events (SuccessfulCreate,
// ScalingReplicaSet, ...) about objects, asynchronously so that a slow
// apiserver never stalls a controller's sync, and aggregated so a repeating
// event bumps a count instead of creating new objects.
package events

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/client"
)

// Recorder emits events for one component.
type Recorder interface {
	Event(obj api.Object, eventType, reason, messageFmt string, args ...any)
}

// Sink writes events; the API client is the real one.
type Sink interface {
	Create(ctx context.Context, ev *corev1.Event) error
	Update(ctx context.Context, ev *corev1.Event) error
}

// APISink writes events through the apiserver.
type APISink struct{ Client *client.Client }

// Create posts a new Event.
func (s APISink) Create(ctx context.Context, ev *corev1.Event) error {
	_, err := client.Events(s.Client, ev.Namespace).Create(ctx, ev, metav1.CreateOptions{})
	return err
}

// Update replaces an Event (to bump its count).
func (s APISink) Update(ctx context.Context, ev *corev1.Event) error {
	_, err := client.Events(s.Client, ev.Namespace).Update(ctx, ev, metav1.UpdateOptions{})
	return err
}

// Broadcaster owns the queue of events and the goroutine that writes them.
type Broadcaster struct {
	sink   Sink
	logger *slog.Logger
	now    func() time.Time
	queue  chan *corev1.Event

	mu   sync.Mutex
	seen map[string]*corev1.Event // aggregation key -> last written event
}

// NewBroadcaster returns a broadcaster; call Run to start writing.
func NewBroadcaster(sink Sink, logger *slog.Logger, now func() time.Time) *Broadcaster {
	return &Broadcaster{sink: sink, logger: logger, now: now, queue: make(chan *corev1.Event, 1000), seen: map[string]*corev1.Event{}}
}

// Run writes queued events until ctx ends.
func (b *Broadcaster) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-b.queue:
			b.write(ctx, ev)
		}
	}
}

func aggregationKey(ev *corev1.Event) string {
	o := ev.InvolvedObject
	return o.Namespace + "/" + o.Kind + "/" + o.Name + "/" + string(o.UID) + "/" + ev.Type + "/" + ev.Reason + "/" + ev.Message
}

func (b *Broadcaster) write(ctx context.Context, ev *corev1.Event) {
	key := aggregationKey(ev)
	b.mu.Lock()
	prev := b.seen[key]
	b.mu.Unlock()
	var err error
	if prev != nil {
		next := prev.DeepCopy()
		next.Count++
		next.LastTimestamp = ev.LastTimestamp
		if err = b.sink.Update(ctx, next); err == nil {
			ev = next
		}
	}
	if prev == nil || err != nil {
		err = b.sink.Create(ctx, ev)
	}
	if err != nil {
		b.logger.Debug("dropping event", "reason", ev.Reason, "object", ev.InvolvedObject.Name, "err", err)
		return
	}
	b.mu.Lock()
	if len(b.seen) > 4096 {
		b.seen = map[string]*corev1.Event{}
	}
	b.seen[key] = ev
	b.mu.Unlock()
}

// Recorder returns a recorder that reports as component.
func (b *Broadcaster) Recorder(component string) Recorder {
	return &recorder{b: b, component: component}
}

type recorder struct {
	b         *Broadcaster
	component string
}

func (r *recorder) Event(obj api.Object, eventType, reason, messageFmt string, args ...any) {
	now := metav1.NewTime(r.b.now())
	gvk := kindOf(obj)
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{
			Name:      fmt.Sprintf("%s.%x", obj.GetName(), now.UnixNano()),
			Namespace: eventNamespace(obj),
		},
		InvolvedObject: corev1.ObjectReference{
			Kind: gvk.Kind, APIVersion: apiVersion(gvk), Name: obj.GetName(), Namespace: obj.GetNamespace(),
			UID: obj.GetUID(), ResourceVersion: obj.GetResourceVersion(),
		},
		Reason: reason, Message: fmt.Sprintf(messageFmt, args...), Type: eventType,
		Source:         corev1.EventSource{Component: r.component},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
		ReportingController: r.component,
	}
	select {
	case r.b.queue <- ev:
	default: // the queue is full: events are best effort, as upstream
	}
}

func eventNamespace(obj api.Object) string {
	if ns := obj.GetNamespace(); ns != "" {
		return ns
	}
	return metav1.NamespaceDefault
}

func apiVersion(gvk schema.GroupVersionKind) string {
	return gvk.GroupVersion().String()
}

// kindOf returns obj's group/version/kind from its TypeMeta, or from the
// API catalogue when the TypeMeta is empty (list items come without it).
func kindOf(obj api.Object) schema.GroupVersionKind {
	if gvk := obj.GetObjectKind().GroupVersionKind(); gvk.Kind != "" {
		return gvk
	}
	t := reflect.TypeOf(obj)
	for _, info := range api.All() {
		if reflect.TypeOf(info.New()) == t {
			return info.GVK()
		}
	}
	return schema.GroupVersionKind{}
}
