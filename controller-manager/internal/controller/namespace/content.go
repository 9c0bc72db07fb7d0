package namespace

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/client"
)

// Content is the controller's I/O: the namespace's contents and the
// namespace itself.
type Content interface {
	// DeleteAll deletes every object of the resource in ns.
	DeleteAll(ctx context.Context, info *api.Info, ns string) error
	// Remaining lists the objects of the resource left in ns.
	Remaining(ctx context.Context, info *api.Info, ns string) ([]metav1.Object, error)
	// UpdateStatus writes the namespace's status.
	UpdateStatus(ctx context.Context, ns *corev1.Namespace) error
	// Finalize replaces the namespace's spec.finalizers (PUT .../finalize).
	Finalize(ctx context.Context, ns *corev1.Namespace) error
	// Get reads the namespace from the apiserver.
	Get(ctx context.Context, name string) (*corev1.Namespace, error)
}

// APIContent does the controller's I/O through the apiserver.
type APIContent struct{ Client *client.Client }

func (a APIContent) resource(info *api.Info, ns string) *client.Resource[*unstructured.Unstructured] {
	return client.NewResource[*unstructured.Unstructured](a.Client, info).Namespace(ns)
}

// DeleteAll issues one deletecollection with background propagation.
func (a APIContent) DeleteAll(ctx context.Context, info *api.Info, ns string) error {
	bg := metav1.DeletePropagationBackground
	return a.resource(info, ns).DeleteCollection(ctx, metav1.DeleteOptions{PropagationPolicy: &bg}, metav1.ListOptions{})
}

// Remaining lists every object of the resource in ns, page by page.
func (a APIContent) Remaining(ctx context.Context, info *api.Info, ns string) ([]metav1.Object, error) {
	var out []metav1.Object
	opts := metav1.ListOptions{Limit: 500}
	for {
		list, err := a.resource(info, ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		for _, o := range list.Items {
			out = append(out, o)
		}
		if list.Continue == "" {
			return out, nil
		}
		opts.Continue = list.Continue
	}
}

// UpdateStatus writes ns's status subresource.
func (a APIContent) UpdateStatus(ctx context.Context, ns *corev1.Namespace) error {
	_, err := client.Namespaces(a.Client).UpdateStatus(ctx, ns, metav1.UpdateOptions{})
	return err
}

// Finalize PUTs ns to its finalize subresource.
func (a APIContent) Finalize(ctx context.Context, ns *corev1.Namespace) error {
	body, err := json.Marshal(ns)
	if err != nil {
		return fmt.Errorf("encoding namespace %s: %w", ns.Name, err)
	}
	_, err = a.Client.Do(ctx, &client.Request{
		Method: http.MethodPut, Path: "/api/v1/namespaces/" + url.PathEscape(ns.Name) + "/finalize", Body: body,
	})
	return err
}

// Get reads the namespace.
func (a APIContent) Get(ctx context.Context, name string) (*corev1.Namespace, error) {
	return client.Namespaces(a.Client).Get(ctx, name, metav1.GetOptions{})
}
