package admission

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/api"
)

type fakeLister map[string][]api.Object

func (f fakeLister) List(_ context.Context, info *api.Info, ns string) ([]api.Object, error) {
	return f[info.Resource], nil
}

func pod(name string, cpu string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}}
	if cpu != "" {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{"cpu": resource.MustParse(cpu)}
	}
	return p
}

func TestServiceAccountMountsToken(t *testing.T) {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "ns"}}
	p := ServiceAccount{Lister: fakeLister{"serviceaccounts": {sa}}}
	po := pod("p", "")
	if _, err := p.Admit(context.Background(), Attributes{Op: Create, Info: lookup("pods"), Obj: po}); err != nil {
		t.Fatal(err)
	}
	if po.Spec.ServiceAccountName != "default" || len(po.Spec.Volumes) != 1 || po.Spec.Volumes[0].Projected == nil ||
		po.Spec.Containers[0].VolumeMounts[0].MountPath != TokenMountPath {
		t.Errorf("pod spec %+v", po.Spec)
	}
	missing := pod("q", "")
	missing.Spec.ServiceAccountName = "ghost"
	_, err := p.Admit(context.Background(), Attributes{Op: Create, Info: lookup("pods"), Obj: missing})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `serviceaccount "ghost" not found`) {
		t.Errorf("missing SA: %v", err)
	}
	off := false
	opt := pod("r", "")
	opt.Spec.AutomountServiceAccountToken = &off
	_, _ = p.Admit(context.Background(), Attributes{Op: Create, Info: lookup("pods"), Obj: opt})
	if len(opt.Spec.Volumes) != 0 {
		t.Error("token mounted despite automountServiceAccountToken=false")
	}
}

func TestLimitRanger(t *testing.T) {
	lr := &corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type:           corev1.LimitTypeContainer,
		Default:        corev1.ResourceList{"memory": resource.MustParse("256Mi")},
		DefaultRequest: corev1.ResourceList{"cpu": resource.MustParse("100m")},
		Max:            corev1.ResourceList{"memory": resource.MustParse("1Gi")},
	}}}}
	p := LimitRanger{Lister: fakeLister{"limitranges": {lr}}}
	po := pod("p", "")
	if _, err := p.Admit(context.Background(), Attributes{Op: Create, Info: lookup("pods"), Obj: po}); err != nil {
		t.Fatal(err)
	}
	r := po.Spec.Containers[0].Resources
	if r.Requests.Cpu().String() != "100m" || r.Limits.Memory().String() != "256Mi" || r.Requests.Memory().String() != "256Mi" {
		t.Errorf("resources %v", r)
	}
	big := pod("big", "")
	big.Spec.Containers[0].Resources.Limits = corev1.ResourceList{"memory": resource.MustParse("2Gi")}
	_, err := p.Admit(context.Background(), Attributes{Op: Create, Info: lookup("pods"), Obj: big})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "maximum memory usage per Container is 1Gi, but limit is 2Gi") {
		t.Errorf("over max: %v", err)
	}
}

func TestResourceQuota(t *testing.T) {
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "compute"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"pods": resource.MustParse("2"), "requests.cpu": resource.MustParse("1")}}}
	done := pod("done", "900m")
	done.Status.Phase = corev1.PodSucceeded
	l := fakeLister{"resourcequotas": {q}, "pods": {pod("a", "500m"), done}}
	p := &ResourceQuota{Lister: l}
	admit := func(po *corev1.Pod) error {
		f, err := p.Admit(context.Background(), Attributes{Op: Create, Info: lookup("pods"), Obj: po})
		if f != nil {
			f(context.Background(), true)
		}
		return err
	}
	if err := admit(pod("b", "500m")); err != nil {
		t.Fatalf("within quota: %v", err)
	}
	err := admit(pod("c", "600m"))
	want := `pods "c" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=500m, limited: requests.cpu=1`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	err = admit(pod("d", ""))
	if err == nil || !strings.Contains(err.Error(), "failed quota: compute: must specify requests.cpu") {
		t.Errorf("no requests: %v", err)
	}
	l["pods"] = append(l["pods"], pod("b", "100m"))
	err = admit(pod("e", "100m"))
	if err == nil || !strings.Contains(err.Error(), "requested: pods=1, used: pods=2, limited: pods=2") {
		t.Errorf("pod count: %v", err)
	}
}
