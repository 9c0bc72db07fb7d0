package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/urfave/cli/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/wharfhq/wharf/cli/internal/apply"
	"github.com/wharfhq/wharf/cli/internal/manifest"
	"github.com/wharfhq/wharf/cli/internal/printers"
	"github.com/wharfhq/wharf/cli/internal/resources"
	"github.com/wharfhq/wharf/proto/api"
)

func fileFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "filename", Aliases: []string{"f"}, Usage: "files, directories or - for stdin"},
		&cli.BoolFlag{Name: "recursive", Aliases: []string{"R"}, Usage: "process directories recursively"},
		&cli.StringFlag{Name: "dry-run", Usage: "none|client|server", Value: "none"},
	}
}

// manifestVerb is create, replace or apply of the objects given with -f.
type manifestVerb struct {
	name  string // as printed: "created", "replaced", "configured"
	apply func(ctx context.Context, m *manifestRun, r resources.Resource, ns string, obj *unstructured.Unstructured) (string, *unstructured.Unstructured, error)
}

type manifestRun struct {
	env    *Env
	c      *cli.Context
	query  url.Values
	format printers.Format
}

func manifestCommand(env *Env, name, usage string, aliases []string, verb manifestVerb, extra ...cli.Flag) *cli.Command {
	return &cli.Command{
		Name: name, Aliases: aliases, Usage: usage,
		Flags:  append(append(fileFlags(), outputFlags()...), extra...),
		Action: func(c *cli.Context) error { return runManifests(c.Context, env, c, verb) },
	}
}

func runManifests(ctx context.Context, env *Env, c *cli.Context, verb manifestVerb) error {
	files := c.StringSlice("filename")
	if len(files) == 0 {
		return usageError("must specify one of -f and -k")
	}
	format, err := printers.ParseFormat(c.String("output"), c.String("template"))
	if err != nil {
		return usageError(err.Error())
	}
	objs, err := manifest.Read(files, c.Bool("recursive"), env.In)
	if err != nil {
		return err
	}
	ns, err := env.Namespace(c)
	if err != nil {
		return err
	}
	m := &manifestRun{env: env, c: c, query: url.Values{}, format: format}
	suffix := ""
	switch c.String("dry-run") {
	case "server":
		m.query.Set("dryRun", "All")
		suffix = " (server dry run)"
	case "client":
		suffix = " (dry run)"
	case "none", "":
	default:
		return usageError(`--dry-run must be "none", "server", or "client"`)
	}
	var firstErr error
	for _, o := range objs {
		if err := m.one(ctx, verb, ns, o, suffix); err != nil {
			fmt.Fprintln(env.Err, userError(err))
			if firstErr == nil {
				firstErr = errAlreadyReported
			}
		}
	}
	return firstErr
}

func (m *manifestRun) one(ctx context.Context, verb manifestVerb, ns string, o manifest.Object, suffix string) error {
	set, err := m.env.Resources(ctx, m.c, false)
	if err != nil {
		return err
	}
	r, err := set.ForKind(o.Obj.GetAPIVersion(), o.Obj.GetKind())
	if err != nil {
		return fmt.Errorf("resource mapping not found for name: %q namespace: %q from %q: %w", o.Obj.GetName(), o.Obj.GetNamespace(), o.Source, err)
	}
	if r.Namespaced {
		if objNS := o.Obj.GetNamespace(); objNS != "" && m.c.IsSet("namespace") && objNS != ns {
			return fmt.Errorf("the namespace from the provided object %q does not match the namespace %q. You must pass '--namespace=%s' to perform this operation", objNS, ns, objNS)
		} else if objNS != "" {
			ns = objNS
		}
	}
	word, out, err := verb.apply(ctx, m, r, ns, o.Obj)
	if err != nil {
		return err
	}
	if m.format.Kind != "table" && out != nil {
		return printers.PrintObject(m.env.Out, m.format, out, "")
	}
	fmt.Fprintf(m.env.Out, "%s/%s %s%s\n", kindName(r), o.Obj.GetName(), word, suffix)
	return nil
}

// kindName is how kubectl names a resource in messages: "pod",
// "deployment.apps".
func kindName(r resources.Resource) string {
	if r.GroupVersion.Group == "" {
		return r.SingularName
	}
	return r.SingularName + "." + r.GroupVersion.Group
}

func (m *manifestRun) dryRunClient() bool { return m.c.String("dry-run") == "client" }

var createVerb = manifestVerb{name: "created", apply: func(ctx context.Context, m *manifestRun, r resources.Resource, ns string, obj *unstructured.Unstructured) (string, *unstructured.Unstructured, error) {
	if m.dryRunClient() {
		return "created", obj, nil
	}
	cl, err := m.env.Client(m.c)
	if err != nil {
		return "", nil, err
	}
	if m.c.Bool("save-config") {
		if obj, err = apply.WithLastApplied(obj); err != nil {
			return "", nil, err
		}
	}
	out, err := sendObject(ctx, cl, http.MethodPost, r, ns, obj, m.query)
	return "created", out, err
}}

var replaceVerb = manifestVerb{name: "replaced", apply: func(ctx context.Context, m *manifestRun, r resources.Resource, ns string, obj *unstructured.Unstructured) (string, *unstructured.Unstructured, error) {
	if m.dryRunClient() {
		return "replaced", obj, nil
	}
	cl, err := m.env.Client(m.c)
	if err != nil {
		return "", nil, err
	}
	if obj.GetName() == "" {
		return "", nil, fmt.Errorf("name is required to replace a %s", r.Kind)
	}
	if m.c.Bool("force") {
		return forceReplace(ctx, m, cl, r, ns, obj)
	}
	out, err := sendObject(ctx, cl, http.MethodPut, r, ns, obj, m.query)
	return "replaced", out, err
}}

var applyVerb = manifestVerb{name: "configured", apply: func(ctx context.Context, m *manifestRun, r resources.Resource, ns string, obj *unstructured.Unstructured) (string, *unstructured.Unstructured, error) {
	cl, err := m.env.Client(m.c)
	if err != nil {
		return "", nil, err
	}
	if obj.GetName() == "" {
		return "", nil, fmt.Errorf("error when retrieving current configuration of %s: resource name may not be empty", r.Kind)
	}
	live, err := getObject(ctx, cl, r, ns, obj.GetName())
	if apierrors.IsNotFound(err) {
		withAnn, err := apply.WithLastApplied(obj)
		if err != nil || m.dryRunClient() {
			return "created", withAnn, err
		}
		out, err := sendObject(ctx, cl, http.MethodPost, r, ns, withAnn, m.query)
		return "created", out, err
	}
	if err != nil {
		return "", nil, err
	}
	var typed any
	if info, ok := api.LookupKind(obj.GetAPIVersion(), obj.GetKind()); ok {
		typed = info.New()
	}
	patch, pt, err := apply.Patch(typed, obj, live)
	if err != nil {
		return "", nil, err
	}
	if apply.IsEmpty(patch) {
		return "unchanged", live, nil
	}
	if m.dryRunClient() {
		return "configured", obj, nil
	}
	out, err := patchObject(ctx, cl, r, ns, obj.GetName(), string(pt), patch)
	return "configured", out, err
}}
