package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

const (
	revisionAnnotation    = "deployment.kubernetes.io/revision"
	changeCauseAnnotation = "kubernetes.io/change-cause"
	restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"
)

func rolloutCommand(env *Env) *cli.Command {
	sub := func(name, usage string, flags []cli.Flag, run func(ctx context.Context, env *Env, c *cli.Context, d *appsv1.Deployment) error) *cli.Command {
		return &cli.Command{Name: name, Usage: usage, ArgsUsage: "deployment/NAME", Flags: flags,
			Action: func(c *cli.Context) error {
				d, err := getDeployment(c.Context, env, c)
				if err != nil {
					return err
				}
				return run(c.Context, env, c, d)
			}}
	}
	patchSpec := func(word, patch string) func(context.Context, *Env, *cli.Context, *appsv1.Deployment) error {
		return func(ctx context.Context, env *Env, c *cli.Context, d *appsv1.Deployment) error {
			return patchDeployment(ctx, env, c, d, []byte(patch), word)
		}
	}
	return &cli.Command{
		Name:  "rollout",
		Usage: "Manage the rollout of a deployment",
		Subcommands: []*cli.Command{
			sub("status", "Show the status of the rollout", []cli.Flag{
				&cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Value: true},
				&cli.DurationFlag{Name: "timeout", Usage: "give up after this long (0: never)"},
			}, rolloutStatus),
			sub("history", "View rollout history", nil, rolloutHistory),
			sub("undo", "Undo a previous rollout", []cli.Flag{&cli.Int64Flag{Name: "to-revision", Usage: "0 means the previous revision"}}, rolloutUndo),
			sub("restart", "Restart a deployment", nil, func(ctx context.Context, env *Env, c *cli.Context, d *appsv1.Deployment) error {
				p := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{%q:%q}}}}}`, restartedAtAnnotation, env.Now().Format(time.RFC3339))
				return patchDeployment(ctx, env, c, d, []byte(p), "restarted")
			}),
			sub("pause", "Mark the deployment as paused", nil, patchSpec("paused", `{"spec":{"paused":true}}`)),
			sub("resume", "Resume a paused deployment", nil, patchSpec("resumed", `{"spec":{"paused":null}}`)),
		},
	}
}

func getDeployment(ctx context.Context, env *Env, c *cli.Context) (*appsv1.Deployment, error) {
	t, _, err := oneTarget(ctx, env, c)
	if err != nil {
		return nil, err
	}
	if t.res.Kind != "Deployment" {
		return nil, fmt.Errorf("no rollout support for %s", t.res.Kind)
	}
	cl, err := env.Client(c)
	if err != nil {
		return nil, err
	}
	var d appsv1.Deployment
	err = doJSON(ctx, cl, &client.Request{Method: http.MethodGet, Path: deploymentPath(env.namespace, t.names[0])}, &d)
	return &d, err
}

func deploymentPath(ns, name string) string {
	return "/apis/apps/v1/namespaces/" + url.PathEscape(ns) + "/deployments/" + url.PathEscape(name)
}

func patchDeployment(ctx context.Context, env *Env, c *cli.Context, d *appsv1.Deployment, patch []byte, word string) error {
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	err = doJSON(ctx, cl, &client.Request{Method: http.MethodPatch, Path: deploymentPath(d.Namespace, d.Name),
		Body: patch, ContentType: "application/strategic-merge-patch+json"}, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "deployment.apps/%s %s\n", d.Name, word)
	return nil
}

// rolloutMessage is kubectl's status line for a deployment, and whether
// the rollout is done.
func rolloutMessage(d *appsv1.Deployment) (string, bool) {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	s := d.Status
	switch {
	case d.Generation > s.ObservedGeneration:
		return "Waiting for deployment spec update to be observed...", false
	case s.UpdatedReplicas < want:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d out of %d new replicas have been updated...", d.Name, s.UpdatedReplicas, want), false
	case s.Replicas > s.UpdatedReplicas:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d old replicas are pending termination...", d.Name, s.Replicas-s.UpdatedReplicas), false
	case s.AvailableReplicas < s.UpdatedReplicas:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d of %d updated replicas are available...", d.Name, s.AvailableReplicas, s.UpdatedReplicas), false
	}
	return fmt.Sprintf("deployment %q successfully rolled out", d.Name), true
}

func rolloutStatus(ctx context.Context, env *Env, c *cli.Context, d *appsv1.Deployment) error {
	if t := c.Duration("timeout"); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	last := ""
	for {
		msg, done := rolloutMessage(d)
		if msg != last {
			fmt.Fprintln(env.Out, msg)
			last = msg
		}
		if done || !c.Bool("watch") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out waiting for the condition")
		case <-time.After(500 * time.Millisecond):
		}
		next := &appsv1.Deployment{}
		if err := doJSON(ctx, cl, &client.Request{Method: http.MethodGet, Path: deploymentPath(d.Namespace, d.Name)}, next); err != nil {
			return err
		}
		d = next
	}
}

// ownedReplicaSets lists the deployment's ReplicaSets sorted by revision.
func ownedReplicaSets(ctx context.Context, cl *client.Client, d *appsv1.Deployment) ([]appsv1.ReplicaSet, error) {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, err
	}
	var list appsv1.ReplicaSetList
	err = doJSON(ctx, cl, &client.Request{Method: http.MethodGet, Path: "/apis/apps/v1/namespaces/" + url.PathEscape(d.Namespace) + "/replicasets",
		Query: url.Values{"labelSelector": {sel.String()}}}, &list)
	if err != nil {
		return nil, err
	}
	var out []appsv1.ReplicaSet
	for _, rs := range list.Items {
		if ref := metav1.GetControllerOf(&rs); ref != nil && ref.UID == d.UID {
			out = append(out, rs)
		}
	}
	sort.Slice(out, func(i, j int) bool { return revision(&out[i]) < revision(&out[j]) })
	return out, nil
}

func revision(rs *appsv1.ReplicaSet) int64 {
	n, _ := strconv.ParseInt(rs.Annotations[revisionAnnotation], 10, 64)
	return n
}

func rolloutHistory(ctx context.Context, env *Env, c *cli.Context, d *appsv1.Deployment) error {
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	rss, err := ownedReplicaSets(ctx, cl, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "deployment.apps/%s \n", d.Name)
	tw := tabwriter.NewWriter(env.Out, 6, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tCHANGE-CAUSE")
	for _, rs := range rss {
		cause := rs.Annotations[changeCauseAnnotation]
		if cause == "" {
			cause = "<none>"
		}
		fmt.Fprintf(tw, "%d\t%s\n", revision(&rs), cause)
	}
	tw.Flush()
	fmt.Fprintln(env.Out)
	return nil
}

func rolloutUndo(ctx context.Context, env *Env, c *cli.Context, d *appsv1.Deployment) error {
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	rss, err := ownedReplicaSets(ctx, cl, d)
	if err != nil {
		return err
	}
	target, err := undoTarget(rss, c.Int64("to-revision"), d.Annotations[revisionAnnotation])
	if err != nil {
		return err
	}
	tmpl := target.Spec.Template.DeepCopy()
	delete(tmpl.Labels, appsv1.DefaultDeploymentUniqueLabelKey)
	patch, err := json.Marshal([]map[string]any{{"op": "replace", "path": "/spec/template", "value": tmpl}})
	if err != nil {
		return err
	}
	err = doJSON(ctx, cl, &client.Request{Method: http.MethodPatch, Path: deploymentPath(d.Namespace, d.Name),
		Body: patch, ContentType: "application/json-patch+json"}, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "deployment.apps/%s rolled back\n", d.Name)
	return nil
}

// undoTarget picks the ReplicaSet of toRevision, or the newest one before
// the current revision when toRevision is 0.
func undoTarget(rss []appsv1.ReplicaSet, toRevision int64, current string) (*appsv1.ReplicaSet, error) {
	cur, _ := strconv.ParseInt(current, 10, 64)
	var best *appsv1.ReplicaSet
	for i := range rss {
		r := revision(&rss[i])
		if toRevision > 0 && r == toRevision {
			return &rss[i], nil
		}
		if toRevision == 0 && r != cur && (best == nil || r > revision(best)) {
			best = &rss[i]
		}
	}
	if toRevision > 0 {
		return nil, fmt.Errorf("unable to find specified revision %d in history", toRevision)
	}
	if best == nil {
		return nil, fmt.Errorf("no rollout history found for deployment")
	}
	return best, nil
}
