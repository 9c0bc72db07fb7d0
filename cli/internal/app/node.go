package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/urfave/cli/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

func nodeCommands(env *Env) []*cli.Command {
	return []*cli.Command{
		{Name: "cordon", Usage: "Mark node as unschedulable", ArgsUsage: "NODE",
			Action: func(c *cli.Context) error { return setUnschedulable(c.Context, env, c, true) }},
		{Name: "uncordon", Usage: "Mark node as schedulable", ArgsUsage: "NODE",
			Action: func(c *cli.Context) error { return setUnschedulable(c.Context, env, c, false) }},
		{Name: "drain", Usage: "Drain node in preparation for maintenance", ArgsUsage: "NODE",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "ignore-daemonsets", Usage: "ignore DaemonSet-managed pods"},
				&cli.BoolFlag{Name: "force", Usage: "also delete pods not managed by a controller"},
				&cli.DurationFlag{Name: "timeout", Value: 5 * time.Minute},
			},
			Action: func(c *cli.Context) error { return drain(c.Context, env, c) }},
	}
}

func setUnschedulable(ctx context.Context, env *Env, c *cli.Context, on bool) error {
	if c.NArg() != 1 {
		return usageError("exactly one NODE is required")
	}
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	name := c.Args().First()
	var node corev1.Node
	path := "/api/v1/nodes/" + url.PathEscape(name)
	if err := doJSON(ctx, cl, &client.Request{Method: http.MethodGet, Path: path}, &node); err != nil {
		return err
	}
	word := map[bool]string{true: "cordoned", false: "uncordoned"}[on]
	if node.Spec.Unschedulable == on {
		fmt.Fprintf(env.Out, "node/%s already %s\n", name, word)
		return nil
	}
	patch := fmt.Sprintf(`{"spec":{"unschedulable":%t}}`, on)
	if err := doJSON(ctx, cl, &client.Request{Method: http.MethodPatch, Path: path, Body: []byte(patch), ContentType: "application/merge-patch+json"}, nil); err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "node/%s %s\n", name, word)
	return nil
}

// drainable splits the node's pods into those to evict and the reasons
// that stop a drain, as kubectl drain's filters do.
func drainable(pods []corev1.Pod, ignoreDaemonSets, force bool) (evict []corev1.Pod, blockers []string) {
	for _, p := range pods {
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			evict = append(evict, p)
			continue
		}
		if _, mirror := p.Annotations[corev1.MirrorPodAnnotationKey]; mirror {
			continue
		}
		ref := metav1.GetControllerOf(&p)
		switch {
		case ref != nil && ref.Kind == "DaemonSet":
			if !ignoreDaemonSets {
				blockers = append(blockers, fmt.Sprintf("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): %s/%s", p.Namespace, p.Name))
			}
		case ref == nil && !force:
			blockers = append(blockers, fmt.Sprintf("cannot delete Pods that declare no controller (use --force to override): %s/%s", p.Namespace, p.Name))
		default:
			evict = append(evict, p)
		}
	}
	return evict, blockers
}

func drain(ctx context.Context, env *Env, c *cli.Context) error {
	if err := setUnschedulable(ctx, env, c, true); err != nil {
		return err
	}
	cl, _ := env.Client(c)
	var pods corev1.PodList
	err := doJSON(ctx, cl, &client.Request{Method: http.MethodGet, Path: "/api/v1/pods",
		Query: url.Values{"fieldSelector": {"spec.nodeName=" + c.Args().First()}}}, &pods)
	if err != nil {
		return err
	}
	evict, blockers := drainable(pods.Items, c.Bool("ignore-daemonsets"), c.Bool("force"))
	if len(blockers) > 0 {
		for _, b := range blockers {
			fmt.Fprintln(env.Err, "error: "+b)
		}
		return errAlreadyReported
	}
	ctx, cancel := context.WithTimeout(ctx, c.Duration("timeout"))
	defer cancel()
	for _, p := range evict {
		if err := evictPod(ctx, cl, &p); err != nil {
			return err
		}
		fmt.Fprintf(env.Out, "evicting pod %s/%s\n", p.Namespace, p.Name)
	}
	for _, p := range evict {
		if err := waitPodGone(ctx, cl, &p); err != nil {
			return err
		}
		fmt.Fprintf(env.Out, "pod/%s evicted\n", p.Name)
	}
	fmt.Fprintf(env.Out, "node/%s drained\n", c.Args().First())
	return nil
}

// evictPod posts an Eviction, retrying while a disruption budget says 429.
func evictPod(ctx context.Context, cl *client.Client, p *corev1.Pod) error {
	ev := policyv1.Eviction{TypeMeta: metav1.TypeMeta{APIVersion: "policy/v1", Kind: "Eviction"},
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace}}
	body, _ := json.Marshal(ev)
	path := "/api/v1/namespaces/" + url.PathEscape(p.Namespace) + "/pods/" + url.PathEscape(p.Name) + "/eviction"
	for {
		err := doJSON(ctx, cl, &client.Request{Method: http.MethodPost, Path: path, Body: body, ContentType: "application/json"}, nil)
		if err == nil || apierrors.IsNotFound(err) {
			return nil
		}
		if !apierrors.IsTooManyRequests(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("evicting pod %s/%s: %w", p.Namespace, p.Name, ctx.Err())
		case <-time.After(5 * time.Second):
		}
	}
}

func waitPodGone(ctx context.Context, cl *client.Client, p *corev1.Pod) error {
	path := "/api/v1/namespaces/" + url.PathEscape(p.Namespace) + "/pods/" + url.PathEscape(p.Name)
	for {
		var cur corev1.Pod
		err := doJSON(ctx, cl, &client.Request{Method: http.MethodGet, Path: path}, &cur)
		if apierrors.IsNotFound(err) || (err == nil && cur.UID != p.UID) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out waiting for pod %s/%s to be deleted", p.Namespace, p.Name)
		case <-time.After(time.Second):
		}
	}
}
