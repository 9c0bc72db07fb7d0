package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/urfave/cli/v2"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/wharfhq/wharf/cli/internal/describe"
	"github.com/wharfhq/wharf/cli/internal/resources"
	"github.com/wharfhq/wharf/proto/client"
)

func describeCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name: "describe", Usage: "Show details of a specific resource", ArgsUsage: "(TYPE NAME | TYPE/NAME)",
		Action: func(c *cli.Context) error {
			t, _, err := oneTarget(c.Context, env, c)
			if err != nil {
				return err
			}
			cl, err := env.Client(c)
			if err != nil {
				return err
			}
			u, err := getObject(c.Context, cl, t.res, env.namespace, t.names[0])
			if err != nil {
				return err
			}
			d := &describer{env: env, cl: cl}
			return d.describe(c.Context, t.res, u)
		},
	}
}

type describer struct {
	env *Env
	cl  *client.Client
}

func fromUnstructured(u *unstructured.Unstructured, into any) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into)
}

func (d *describer) describe(ctx context.Context, r resources.Resource, u *unstructured.Unstructured) error {
	events, err := d.events(ctx, u)
	if err != nil {
		return err
	}
	now, out := d.env.Now(), d.env.Out
	switch r.GroupVersion.String() + "/" + r.Kind {
	case "v1/Pod":
		var p corev1.Pod
		if err := fromUnstructured(u, &p); err != nil {
			return err
		}
		return describe.Pod(out, now, &p, events)
	case "v1/Node":
		var n corev1.Node
		if err := fromUnstructured(u, &n); err != nil {
			return err
		}
		var pods corev1.PodList
		err := doJSON(ctx, d.cl, &client.Request{Method: http.MethodGet, Path: "/api/v1/pods",
			Query: url.Values{"fieldSelector": {"spec.nodeName=" + n.Name + ",status.phase!=Succeeded,status.phase!=Failed"}}}, &pods)
		if err != nil {
			return err
		}
		return describe.Node(out, now, &n, pods.Items, events)
	case "v1/Service":
		var s corev1.Service
		if err := fromUnstructured(u, &s); err != nil {
			return err
		}
		var ep corev1.Endpoints
		path := "/api/v1/namespaces/" + url.PathEscape(s.Namespace) + "/endpoints/" + url.PathEscape(s.Name)
		if err := doJSON(ctx, d.cl, &client.Request{Method: http.MethodGet, Path: path}, &ep); err != nil {
			ep = corev1.Endpoints{}
		}
		return describe.Service(out, now, &s, &ep, events)
	case "apps/v1/Deployment":
		return d.deployment(ctx, u, events)
	}
	var meta metav1.ObjectMeta
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(mapOrEmpty(u.Object["metadata"]), &meta); err != nil {
		return err
	}
	return describe.Generic(out, now, &meta, r.Namespaced, u.Object, events)
}

func mapOrEmpty(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

func (d *describer) deployment(ctx context.Context, u *unstructured.Unstructured, events []corev1.Event) error {
	var dep appsv1.Deployment
	if err := fromUnstructured(u, &dep); err != nil {
		return err
	}
	rss, err := ownedReplicaSets(ctx, d.cl, &dep)
	if err != nil {
		return err
	}
	var newRS *appsv1.ReplicaSet
	var old []appsv1.ReplicaSet
	for i := range rss {
		if rss[i].Annotations[revisionAnnotation] == dep.Annotations[revisionAnnotation] {
			newRS = &rss[i]
		} else if rss[i].Status.Replicas > 0 {
			old = append(old, rss[i])
		}
	}
	return describe.Deployment(d.env.Out, d.env.Now(), &dep, newRS, old, events)
}

// events lists the events about the object, as kubectl describe does.
func (d *describer) events(ctx context.Context, u *unstructured.Unstructured) ([]corev1.Event, error) {
	sel := []string{"involvedObject.name=" + u.GetName(), "involvedObject.kind=" + u.GetKind()}
	if u.GetNamespace() != "" {
		sel = append(sel, "involvedObject.namespace="+u.GetNamespace())
	}
	ns := u.GetNamespace()
	path := "/api/v1/events"
	if ns != "" {
		path = "/api/v1/namespaces/" + url.PathEscape(ns) + "/events"
	}
	var list corev1.EventList
	err := doJSON(ctx, d.cl, &client.Request{Method: http.MethodGet, Path: path,
		Query: url.Values{"fieldSelector": {strings.Join(sel, ",")}}}, &list)
	return list.Items, err
}
