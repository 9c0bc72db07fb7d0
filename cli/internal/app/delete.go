package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/wharfhq/wharf/cli/internal/manifest"
	"github.com/wharfhq/wharf/cli/internal/resources"
	"github.com/wharfhq/wharf/proto/client"
)

// errAlreadyReported makes the command exit 1 without printing again.
var errAlreadyReported = errors.New("errors were reported")

func deleteCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:      "delete",
		Usage:     "Delete resources by file names, stdin, resources and names, or by resources and label selector",
		ArgsUsage: "([-f FILENAME] | TYPE [(NAME | -l label | --all)])",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filename", Aliases: []string{"f"}},
			&cli.BoolFlag{Name: "recursive", Aliases: []string{"R"}},
			&cli.StringFlag{Name: "selector", Aliases: []string{"l"}},
			&cli.BoolFlag{Name: "all", Usage: "delete all resources of the type in the namespace"},
			&cli.BoolFlag{Name: "all-namespaces", Aliases: []string{"A"}},
			&cli.IntFlag{Name: "grace-period", Value: -1, Usage: "seconds given to the resource to terminate gracefully; -1 uses the default"},
			&cli.BoolFlag{Name: "now", Usage: "same as --grace-period=1"},
			&cli.BoolFlag{Name: "force", Usage: "with --grace-period=0, delete immediately"},
			&cli.BoolFlag{Name: "wait", Value: true, Usage: "wait for resources to be gone before returning"},
			&cli.DurationFlag{Name: "timeout", Value: 0, Usage: "how long to wait (0: a week, as kubectl)"},
			&cli.BoolFlag{Name: "ignore-not-found"},
			&cli.StringFlag{Name: "cascade", Value: "background", Usage: "background|foreground|orphan"},
		},
		Action: func(c *cli.Context) error { return runDelete(c.Context, env, c) },
	}
}

type deleteItem struct {
	res  resources.Resource
	ns   string
	name string
}

func runDelete(ctx context.Context, env *Env, c *cli.Context) error {
	items, err := deleteTargets(ctx, env, c)
	if err != nil {
		return err
	}
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	opts, err := deleteOptions(c)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(opts)
	var failed bool
	var deleted []deleteItem
	for _, it := range items {
		err := doJSON(ctx, cl, &client.Request{Method: http.MethodDelete, Path: resourcePath(it.res, it.ns, it.name),
			Body: body, ContentType: "application/json"}, nil)
		if apierrors.IsNotFound(err) && c.Bool("ignore-not-found") {
			continue
		}
		if err != nil {
			fmt.Fprintln(env.Err, userError(err))
			failed = true
			continue
		}
		fmt.Fprintf(env.Out, "%s %q deleted\n", kindName(it.res), it.name)
		deleted = append(deleted, it)
	}
	if c.Bool("wait") {
		if err := waitDeleted(ctx, cl, deleted, c.Duration("timeout")); err != nil {
			return err
		}
	}
	if failed {
		return errAlreadyReported
	}
	return nil
}

func deleteOptions(c *cli.Context) (*metav1.DeleteOptions, error) {
	opts := &metav1.DeleteOptions{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "DeleteOptions"}}
	grace := int64(c.Int("grace-period"))
	if c.Bool("now") {
		grace = 1
	}
	if c.Bool("force") && grace < 0 {
		grace = 0
	}
	if grace >= 0 {
		if grace == 0 && !c.Bool("force") {
			grace = 1 // as kubectl: 0 means "now" unless --force
		}
		opts.GracePeriodSeconds = &grace
	}
	var policy metav1.DeletionPropagation
	switch c.String("cascade") {
	case "background", "true":
		policy = metav1.DeletePropagationBackground
	case "foreground":
		policy = metav1.DeletePropagationForeground
	case "orphan", "false":
		policy = metav1.DeletePropagationOrphan
	default:
		return nil, usageError(`--cascade must be "background", "foreground", or "orphan"`)
	}
	opts.PropagationPolicy = &policy
	return opts, nil
}

func deleteTargets(ctx context.Context, env *Env, c *cli.Context) ([]deleteItem, error) {
	ns, err := env.Namespace(c)
	if err != nil {
		return nil, err
	}
	if files := c.StringSlice("filename"); len(files) > 0 {
		return fileTargets(ctx, env, c, ns, files)
	}
	args := c.Args().Slice()
	if len(args) == 0 {
		return nil, usageError("you must provide one or more resources by argument or filename")
	}
	if strings.Contains(args[0], "/") {
		var out []deleteItem
		for _, a := range args {
			typ, name, _ := strings.Cut(a, "/")
			r, err := env.Resolve(ctx, c, typ)
			if err != nil {
				return nil, err
			}
			out = append(out, deleteItem{res: r, ns: ns, name: name})
		}
		return out, nil
	}
	r, err := env.Resolve(ctx, c, args[0])
	if err != nil {
		return nil, err
	}
	if len(args) > 1 {
		var out []deleteItem
		for _, n := range args[1:] {
			out = append(out, deleteItem{res: r, ns: ns, name: n})
		}
		return out, nil
	}
	if !c.Bool("all") && c.String("selector") == "" {
		return nil, usageError("resource(s) were provided, but no name was specified")
	}
	return selectTargets(ctx, env, c, r, ns)
}

// selectTargets lists the objects matched by -l or --all.
func selectTargets(ctx context.Context, env *Env, c *cli.Context, r resources.Resource, ns string) ([]deleteItem, error) {
	cl, err := env.Client(c)
	if err != nil {
		return nil, err
	}
	if c.Bool("all-namespaces") {
		ns = ""
	}
	q := url.Values{}
	if s := c.String("selector"); s != "" {
		q.Set("labelSelector", s)
	}
	var raw map[string]any
	if err := doJSON(ctx, cl, &client.Request{Method: http.MethodGet, Path: resourcePath(r, ns, ""), Query: q}, &raw); err != nil {
		return nil, err
	}
	var out []deleteItem
	items, _ := raw["items"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		u := unstructured.Unstructured{Object: m}
		out = append(out, deleteItem{res: r, ns: u.GetNamespace(), name: u.GetName()})
	}
	if len(out) == 0 {
		fmt.Fprintln(env.Err, "No resources found")
	}
	return out, nil
}

func fileTargets(ctx context.Context, env *Env, c *cli.Context, ns string, files []string) ([]deleteItem, error) {
	objs, err := manifest.Read(files, c.Bool("recursive"), env.In)
	if err != nil {
		return nil, err
	}
	set, err := env.Resources(ctx, c, false)
	if err != nil {
		return nil, err
	}
	var out []deleteItem
	for _, o := range objs {
		r, err := set.ForKind(o.Obj.GetAPIVersion(), o.Obj.GetKind())
		if err != nil {
			return nil, err
		}
		objNS := ns
		if o.Obj.GetNamespace() != "" {
			objNS = o.Obj.GetNamespace()
		}
		out = append(out, deleteItem{res: r, ns: objNS, name: o.Obj.GetName()})
	}
	return out, nil
}

// waitDeleted polls until every item is gone.
func waitDeleted(ctx context.Context, cl *client.Client, items []deleteItem, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 7 * 24 * time.Hour
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for _, it := range items {
		for {
			_, err := getObject(ctx, cl, it.res, it.ns, it.name)
			if apierrors.IsNotFound(err) {
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("timed out waiting for %s %q to be deleted", kindName(it.res), it.name)
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}

// forceReplace deletes the object and creates it again (replace --force).
func forceReplace(ctx context.Context, m *manifestRun, cl *client.Client, r resources.Resource, ns string, obj *unstructured.Unstructured) (string, *unstructured.Unstructured, error) {
	err := doJSON(ctx, cl, &client.Request{Method: http.MethodDelete, Path: resourcePath(r, ns, obj.GetName())}, nil)
	if err != nil && !apierrors.IsNotFound(err) {
		return "", nil, err
	}
	if err := waitDeleted(ctx, cl, []deleteItem{{res: r, ns: ns, name: obj.GetName()}}, time.Minute); err != nil {
		return "", nil, err
	}
	obj = obj.DeepCopy()
	obj.SetResourceVersion("")
	out, err := sendObject(ctx, cl, http.MethodPost, r, ns, obj, m.query)
	return "replaced", out, err
}
