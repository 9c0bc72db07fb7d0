package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GetScale reads the scale subresource of a scalable object
// (deployments, replicasets, statefulsets, replicationcontrollers).
func (r *Resource[T]) GetScale(ctx context.Context, name string) (*autoscalingv1.Scale, error) {
	p, err := r.itemPath(r.ns, name, "scale")
	if err != nil {
		return nil, err
	}
	resp, err := r.c.Do(ctx, &Request{Method: http.MethodGet, Path: p})
	if err != nil {
		return nil, err
	}
	return decodeScale(p, resp.Body)
}

// UpdateScale writes the scale subresource of the named object.
func (r *Resource[T]) UpdateScale(ctx context.Context, name string, scale *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
	if scale == nil {
		return nil, fmt.Errorf("client: update scale of %s %q: nil Scale", r.info.Resource, name)
	}
	p, err := r.itemPath(r.ns, name, "scale")
	if err != nil {
		return nil, err
	}
	s := *scale
	if s.Kind == "" {
		s.Kind, s.APIVersion = "Scale", autoscalingv1.SchemeGroupVersion.String()
	}
	body, err := json.Marshal(&s)
	if err != nil {
		return nil, fmt.Errorf("client: encoding Scale: %w", err)
	}
	resp, err := r.c.Do(ctx, &Request{Method: http.MethodPut, Path: p, Body: body})
	if err != nil {
		return nil, err
	}
	return decodeScale(p, resp.Body)
}

func decodeScale(path string, data []byte) (*autoscalingv1.Scale, error) {
	var s autoscalingv1.Scale
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: decoding Scale: %w", path, err)
	}
	return &s, nil
}

// Bind assigns a pod to a node by POSTing binding to
// pods/<binding.Name>/binding in binding.Namespace.
func Bind(ctx context.Context, c *Client, binding *corev1.Binding) error {
	if binding == nil {
		return fmt.Errorf("client: bind: nil Binding")
	}
	b := *binding
	if b.Kind == "" {
		b.Kind, b.APIVersion = "Binding", "v1"
	}
	p, err := Pods(c, b.Namespace).itemPath(b.Namespace, b.Name, "binding")
	if err != nil {
		return err
	}
	body, err := json.Marshal(&b)
	if err != nil {
		return fmt.Errorf("client: encoding Binding: %w", err)
	}
	_, err = c.Do(ctx, &Request{Method: http.MethodPost, Path: p, Body: body})
	return err
}

// PodLogs streams a pod's container log (pods/<name>/log). opts may be nil;
// with Follow set the stream stays open until ctx ends or it is closed.
func PodLogs(ctx context.Context, c *Client, ns, name string, opts *corev1.PodLogOptions) (io.ReadCloser, error) {
	p, err := Pods(c, ns).itemPath(ns, name, "log")
	if err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &corev1.PodLogOptions{}
	}
	q, err := query(opts)
	if err != nil {
		return nil, err
	}
	return c.Stream(ctx, &Request{Method: http.MethodGet, Path: p, Query: q, Accept: "*/*"})
}

// Evict requests the eviction of a pod (pods/<name>/eviction), honouring
// disruption budgets where the server enforces them.
func Evict(ctx context.Context, c *Client, ns, name string, opts *metav1.DeleteOptions) error {
	p, err := Pods(c, ns).itemPath(ns, name, "eviction")
	if err != nil {
		return err
	}
	ev := &policyv1.Eviction{
		TypeMeta:      metav1.TypeMeta{APIVersion: "policy/v1", Kind: "Eviction"},
		ObjectMeta:    metav1.ObjectMeta{Name: name, Namespace: ns},
		DeleteOptions: opts,
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("client: encoding Eviction: %w", err)
	}
	_, err = c.Do(ctx, &Request{Method: http.MethodPost, Path: p, Body: body})
	return err
}
