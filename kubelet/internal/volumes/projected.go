package volumes

import (
	"context"
	"fmt"
	"maps"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// projectedFiles merges a projected volume's sources.
func (m *Manager) projectedFiles(ctx context.Context, pod *corev1.Pod, vol string, src *corev1.ProjectedVolumeSource) (map[string]File, error) {
	def := mode(src.DefaultMode)
	out := map[string]File{}
	for _, s := range src.Sources {
		var files map[string]File
		var err error
		switch {
		case s.ConfigMap != nil:
			files, err = m.configMapFiles(ctx, pod.Namespace, &corev1.ConfigMapVolumeSource{
				LocalObjectReference: s.ConfigMap.LocalObjectReference, Items: s.ConfigMap.Items, DefaultMode: &[]int32{int32(def)}[0], Optional: s.ConfigMap.Optional})
		case s.Secret != nil:
			files, err = m.secretFiles(ctx, pod.Namespace, &corev1.SecretVolumeSource{
				SecretName: s.Secret.Name, Items: s.Secret.Items, DefaultMode: &[]int32{int32(def)}[0], Optional: s.Secret.Optional})
		case s.DownwardAPI != nil:
			files, err = downwardFiles(pod, s.DownwardAPI.Items, def)
		case s.ServiceAccountToken != nil:
			var tok string
			tok, err = m.token(ctx, pod, vol, s.ServiceAccountToken)
			files = map[string]File{s.ServiceAccountToken.Path: {Data: []byte(tok), Mode: def}}
		}
		if err != nil {
			return nil, err
		}
		maps.Copy(out, files)
	}
	return out, nil
}

// token returns a cached pod-bound ServiceAccount token, requesting a new
// one once 80% of the old one's lifetime has passed (as upstream).
func (m *Manager) token(ctx context.Context, pod *corev1.Pod, vol string, p *corev1.ServiceAccountTokenProjection) (string, error) {
	key := string(pod.UID) + "/" + vol + "/" + p.Path
	now := m.cfg.Now()
	m.mu.Lock()
	t, ok := m.tokens[key]
	m.mu.Unlock()
	if ok && now.Before(t.issued.Add(t.expires.Sub(t.issued)*8/10)) {
		return t.value, nil
	}
	exp := int64(3600)
	if p.ExpirationSeconds != nil {
		exp = *p.ExpirationSeconds
	}
	req := &authenticationv1.TokenRequest{
		TypeMeta: metav1.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenRequest"},
		Spec: authenticationv1.TokenRequestSpec{
			ExpirationSeconds: &exp,
			BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
		},
	}
	if p.Audience != "" {
		req.Spec.Audiences = []string{p.Audience}
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	resp, err := m.cfg.Objects.ServiceAccountToken(ctx, pod.Namespace, sa, req)
	if err != nil {
		return "", fmt.Errorf("token for serviceaccount %s/%s: %w", pod.Namespace, sa, err)
	}
	expires := resp.Status.ExpirationTimestamp.Time
	if expires.IsZero() {
		expires = now.Add(time.Duration(exp) * time.Second)
	}
	m.mu.Lock()
	m.tokens[key] = token{value: resp.Status.Token, issued: now, expires: expires}
	m.mu.Unlock()
	return resp.Status.Token, nil
}
