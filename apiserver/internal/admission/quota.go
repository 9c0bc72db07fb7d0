package admission

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/wharfhq/wharf/proto/api"
)

// ResourceQuota refuses creates that would take a namespace over a
// ResourceQuota's spec.hard. Usage is counted from the stored objects
// (Lister should read etcd, not a cache). Within one apiserver creates in
// a namespace are serialized from check to store; across apiservers two
// racing creates can still both pass.
type ResourceQuota struct {
	Lister Lister
	mu     sync.Mutex
	locks  map[string]*sync.Mutex
}

// Admit implements Plugin.
func (p *ResourceQuota) Admit(ctx context.Context, a Attributes) (Finish, error) {
	ns := a.Obj.GetNamespace()
	if a.Op != Create || ns == "" {
		return nil, nil
	}
	quotas, err := p.Lister.List(ctx, lookup("resourcequotas"), ns)
	if err != nil || len(quotas) == 0 {
		return nil, err
	}
	lock := p.lock(ns)
	lock.Lock()
	release := func(context.Context, bool) { lock.Unlock() }
	if err := p.check(ctx, a, quotas); err != nil {
		lock.Unlock()
		return nil, err
	}
	return release, nil
}

func (p *ResourceQuota) lock(ns string) *sync.Mutex {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.locks == nil {
		p.locks = map[string]*sync.Mutex{}
	}
	if p.locks[ns] == nil {
		p.locks[ns] = &sync.Mutex{}
	}
	return p.locks[ns]
}

func (p *ResourceQuota) check(ctx context.Context, a Attributes, quotas []api.Object) error {
	delta := usageOf(a.Info, a.Obj)
	if len(delta) == 0 {
		return nil
	}
	for _, o := range quotas {
		q, ok := o.(*corev1.ResourceQuota)
		if !ok {
			continue
		}
		names := tracked(q.Spec.Hard, delta)
		if len(names) == 0 {
			continue
		}
		if missing := missingRequests(a.Info, q.Spec.Hard, delta); len(missing) > 0 {
			return apierrors.NewForbidden(a.Info.GVR().GroupResource(), a.Obj.GetName(),
				fmt.Errorf("failed quota: %s: must specify %s", q.Name, strings.Join(missing, ",")))
		}
		used, err := p.used(ctx, a.Info, a.Obj.GetNamespace())
		if err != nil {
			return err
		}
		var req, use, lim []string
		for _, n := range names {
			total := used[n].DeepCopy()
			total.Add(delta[n])
			if hard := q.Spec.Hard[n]; total.Cmp(hard) > 0 {
				d, u := delta[n], used[n]
				req = append(req, fmt.Sprintf("%s=%s", n, d.String()))
				use = append(use, fmt.Sprintf("%s=%s", n, u.String()))
				lim = append(lim, fmt.Sprintf("%s=%s", n, hard.String()))
			}
		}
		if len(req) > 0 {
			return apierrors.NewForbidden(a.Info.GVR().GroupResource(), a.Obj.GetName(), fmt.Errorf(
				"exceeded quota: %s, requested: %s, used: %s, limited: %s", q.Name,
				strings.Join(req, ","), strings.Join(use, ","), strings.Join(lim, ",")))
		}
	}
	return nil
}

// tracked lists the names in hard that delta touches, sorted.
func tracked(hard corev1.ResourceList, delta map[corev1.ResourceName]resource.Quantity) []corev1.ResourceName {
	var out []corev1.ResourceName
	for n := range hard {
		if _, ok := delta[n]; ok {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// missingRequests lists compute resources a quota tracks that a pod does
// not specify, as upstream requires.
func missingRequests(info *api.Info, hard corev1.ResourceList, delta map[corev1.ResourceName]resource.Quantity) []string {
	if info.Resource != "pods" {
		return nil
	}
	var out []string
	for _, n := range []corev1.ResourceName{"limits.cpu", "limits.memory", "requests.cpu", "requests.memory"} {
		if _, tracked := hard[n]; !tracked {
			continue
		}
		if _, ok := delta[n]; !ok {
			out = append(out, string(n))
		}
	}
	return out
}

// used sums the usage of the stored objects of info's resource in ns.
func (p *ResourceQuota) used(ctx context.Context, info *api.Info, ns string) (map[corev1.ResourceName]resource.Quantity, error) {
	objs, err := p.Lister.List(ctx, info, ns)
	if err != nil {
		return nil, err
	}
	sum := map[corev1.ResourceName]resource.Quantity{}
	for _, o := range objs {
		for n, q := range usageOf(info, o) {
			t := sum[n]
			t.Add(q)
			sum[n] = t
		}
	}
	return sum, nil
}
