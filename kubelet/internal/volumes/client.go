package volumes

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// ClientObjects reads volume sources from the apiserver.
type ClientObjects struct{ C *client.Client }

// ConfigMap implements Objects.
func (o ClientObjects) ConfigMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error) {
	return client.ConfigMaps(o.C, ns).Get(ctx, name, metav1.GetOptions{})
}

// Secret implements Objects.
func (o ClientObjects) Secret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	return client.Secrets(o.C, ns).Get(ctx, name, metav1.GetOptions{})
}

// PersistentVolumeClaim implements Objects.
func (o ClientObjects) PersistentVolumeClaim(ctx context.Context, ns, name string) (*corev1.PersistentVolumeClaim, error) {
	return client.PersistentVolumeClaims(o.C, ns).Get(ctx, name, metav1.GetOptions{})
}

// PersistentVolume implements Objects.
func (o ClientObjects) PersistentVolume(ctx context.Context, name string) (*corev1.PersistentVolume, error) {
	return client.PersistentVolumes(o.C).Get(ctx, name, metav1.GetOptions{})
}

// ServiceAccountToken implements Objects with a TokenRequest
// (serviceaccounts/<sa>/token).
func (o ClientObjects) ServiceAccountToken(ctx context.Context, ns, sa string, req *authenticationv1.TokenRequest) (*authenticationv1.TokenRequest, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("volumes: token request: %w", err)
	}
	path := "/api/v1/namespaces/" + url.PathEscape(ns) + "/serviceaccounts/" + url.PathEscape(sa) + "/token"
	resp, err := o.C.Do(ctx, &client.Request{Method: http.MethodPost, Path: path, Body: body})
	if err != nil {
		return nil, err
	}
	var out authenticationv1.TokenRequest
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return nil, fmt.Errorf("volumes: token response: %w", err)
	}
	return &out, nil
}
