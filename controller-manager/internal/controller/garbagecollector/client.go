package garbagecollector

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/client"
)

// Client is the collector's I/O on arbitrary resources.
type Client interface {
	Get(ctx context.Context, info *api.Info, ns, name string) (*unstructured.Unstructured, error)
	Update(ctx context.Context, info *api.Info, obj *unstructured.Unstructured) error
	Delete(ctx context.Context, info *api.Info, ns, name string, opts metav1.DeleteOptions) error
}

// APIClient does the collector's I/O through the apiserver.
type APIClient struct{ Client *client.Client }

func (a APIClient) res(info *api.Info, ns string) *client.Resource[*unstructured.Unstructured] {
	return client.NewResource[*unstructured.Unstructured](a.Client, info).Namespace(ns)
}

// Get reads one object.
func (a APIClient) Get(ctx context.Context, info *api.Info, ns, name string) (*unstructured.Unstructured, error) {
	return a.res(info, ns).Get(ctx, name, metav1.GetOptions{})
}

// Update replaces obj by its resourceVersion.
func (a APIClient) Update(ctx context.Context, info *api.Info, obj *unstructured.Unstructured) error {
	_, err := a.res(info, obj.GetNamespace()).Update(ctx, obj, metav1.UpdateOptions{})
	return err
}

// Delete deletes one object.
func (a APIClient) Delete(ctx context.Context, info *api.Info, ns, name string, opts metav1.DeleteOptions) error {
	return a.res(info, ns).Delete(ctx, name, opts)
}
