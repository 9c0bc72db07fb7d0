package servicepods

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/proto/informer"
)

// Watch registers handlers that call add with the key of every Service
// that is added, updated or deleted, and of every selector-bearing Service
// selecting a pod that is added, deleted or changed (before and after the
// change; resyncs with an unchanged resourceVersion are ignored).
func Watch(services *informer.Informer[*corev1.Service], pods *informer.Informer[*corev1.Pod], add func(key string)) {
	onService := func(s *corev1.Service) { add(informer.KeyOf(s)) }
	services.AddHandler(informer.Handler[*corev1.Service]{
		OnAdd:    func(s *corev1.Service, _ bool) { onService(s) },
		OnUpdate: func(_, s *corev1.Service) { onService(s) },
		OnDelete: onService,
	})
	onPod := func(p *corev1.Pod) {
		for _, s := range services.Lister().ByNamespace(p.Namespace) {
			if Selects(s, p) {
				add(informer.KeyOf(s))
			}
		}
	}
	pods.AddHandler(informer.Handler[*corev1.Pod]{
		OnAdd: func(p *corev1.Pod, _ bool) { onPod(p) },
		OnUpdate: func(old, p *corev1.Pod) {
			if old.ResourceVersion != p.ResourceVersion {
				onPod(old)
				onPod(p)
			}
		},
		OnDelete: onPod,
	})
}

// Selects reports whether svc has a selector and it matches pod's labels.
func Selects(svc *corev1.Service, p *corev1.Pod) bool {
	return len(svc.Spec.Selector) > 0 && labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(p.Labels))
}
