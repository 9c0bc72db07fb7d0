package admission

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Token volume layout, as upstream's.
const (
	TokenMountPath   = "/var/run/secrets/kubernetes.io/serviceaccount"
	RootCAConfigMap  = "kube-root-ca.crt"
	tokenVolumePfx   = "kube-api-access-"
	tokenExpiration  = 3607
	defaultSAName    = "default"
	suffixCharacters = "bcdfghjklmnpqrstvwxz2456789"
)

// EnsureSA creates the default ServiceAccount of a namespace if missing.
type EnsureSA func(ctx context.Context, namespace string) error

// ServiceAccount defaults a pod's service account and mounts its token.
type ServiceAccount struct {
	Lister Lister
	// EnsureDefault creates a missing "default" ServiceAccount (the
	// controller-manager normally has by then); nil refuses such pods.
	EnsureDefault EnsureSA
	// EnsureRootCA, if set, makes sure the namespace has the
	// kube-root-ca.crt ConfigMap the token volume projects.
	EnsureRootCA EnsureSA
}

var podGR = schema.GroupResource{Resource: "pods"}

// Admit implements Plugin.
func (p ServiceAccount) Admit(ctx context.Context, a Attributes) (Finish, error) {
	pod, ok := a.Obj.(*corev1.Pod)
	if !ok || a.Op != Create {
		return nil, nil
	}
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = defaultSAName
	}
	sa, err := p.find(ctx, pod.Namespace, pod.Spec.ServiceAccountName)
	if err != nil {
		return nil, apierrors.NewForbidden(podGR, pod.Name, fmt.Errorf("error looking up service account %s/%s: %w", pod.Namespace, pod.Spec.ServiceAccountName, err))
	}
	if !automount(pod, sa) || hasTokenMount(pod) {
		return nil, nil
	}
	if p.EnsureRootCA != nil {
		if err := p.EnsureRootCA(ctx, pod.Namespace); err != nil {
			return nil, fmt.Errorf("publish %s: %w", RootCAConfigMap, err)
		}
	}
	addTokenVolume(pod)
	return nil, nil
}

func (p ServiceAccount) find(ctx context.Context, ns, name string) (*corev1.ServiceAccount, error) {
	info := lookup("serviceaccounts")
	objs, err := p.Lister.List(ctx, info, ns)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		if sa, ok := o.(*corev1.ServiceAccount); ok && sa.Name == name {
			return sa, nil
		}
	}
	if name != defaultSAName || p.EnsureDefault == nil {
		return nil, fmt.Errorf("serviceaccount %q not found", name)
	}
	if err := p.EnsureDefault(ctx, ns); err != nil {
		return nil, err
	}
	return &corev1.ServiceAccount{}, nil
}

func automount(pod *corev1.Pod, sa *corev1.ServiceAccount) bool {
	if pod.Spec.AutomountServiceAccountToken != nil {
		return *pod.Spec.AutomountServiceAccountToken
	}
	if sa.AutomountServiceAccountToken != nil {
		return *sa.AutomountServiceAccountToken
	}
	return true
}

func hasTokenMount(pod *corev1.Pod) bool {
	for _, c := range pod.Spec.Containers {
		for _, m := range c.VolumeMounts {
			if m.MountPath == TokenMountPath {
				return true
			}
		}
	}
	return false
}

// addTokenVolume adds upstream's projected kube-api-access volume and
// mounts it read-only in every container.
func addTokenVolume(pod *corev1.Pod) {
	name := tokenVolumePfx + suffix()
	exp := int64(tokenExpiration)
	mode := int32(0o644)
	pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
		Projected: &corev1.ProjectedVolumeSource{DefaultMode: &mode, Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: &exp, Path: "token"}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: RootCAConfigMap},
				Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace",
				FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
		}}}})
	mount := corev1.VolumeMount{Name: name, ReadOnly: true, MountPath: TokenMountPath}
	for i := range pod.Spec.InitContainers {
		pod.Spec.InitContainers[i].VolumeMounts = append(pod.Spec.InitContainers[i].VolumeMounts, mount)
	}
	for i := range pod.Spec.Containers {
		pod.Spec.Containers[i].VolumeMounts = append(pod.Spec.Containers[i].VolumeMounts, mount)
	}
}

func suffix() string {
	var b strings.Builder
	for range 5 {
		b.WriteByte(suffixCharacters[rand.IntN(len(suffixCharacters))])
	}
	return b.String()
}
