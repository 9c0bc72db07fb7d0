package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/urfave/cli/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/wharfhq/wharf/cli/internal/printers"
	"github.com/wharfhq/wharf/cli/internal/resources"
	"github.com/wharfhq/wharf/proto/client"
)

func outputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "json|yaml|wide|name|jsonpath=...|go-template=..."},
		&cli.StringFlag{Name: "template", Usage: "Go template (implies -o go-template)"},
	}
}

func getCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "Display one or many resources",
		ArgsUsage: "TYPE[.GROUP][,TYPE...] [NAME...] | TYPE/NAME...",
		Flags: append(outputFlags(),
			&cli.StringFlag{Name: "selector", Aliases: []string{"l"}, Usage: "label selector"},
			&cli.StringFlag{Name: "field-selector", Usage: "field selector"},
			&cli.BoolFlag{Name: "all-namespaces", Aliases: []string{"A"}},
			&cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: "after listing, watch for changes"},
			&cli.BoolFlag{Name: "watch-only", Usage: "watch for changes without listing first"},
			&cli.BoolFlag{Name: "show-labels"},
			&cli.BoolFlag{Name: "no-headers"},
			&cli.StringFlag{Name: "sort-by", Usage: "JSONPath expression to sort by, e.g. .metadata.name"},
		),
		Action: func(c *cli.Context) error { return runGet(c.Context, env, c) },
	}
}

// target is one resource type and the names asked for (none = list).
type target struct {
	res   resources.Resource
	names []string
}

// parseTargets understands "pods", "pods,svc", "pod a b", "pod/a svc/b"
// and "all".
func parseTargets(ctx context.Context, env *Env, c *cli.Context, args []string) ([]target, error) {
	if len(args) == 0 {
		return nil, usageError("you must specify the type of resource to get")
	}
	if strings.Contains(args[0], "/") {
		var out []target
		for _, a := range args {
			typ, name, ok := strings.Cut(a, "/")
			if !ok || name == "" {
				return nil, usageError("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form")
			}
			r, err := env.Resolve(ctx, c, typ)
			if err != nil {
				return nil, err
			}
			out = append(out, target{res: r, names: []string{name}})
		}
		return out, nil
	}
	var out []target
	for _, typ := range strings.Split(args[0], ",") {
		if typ == "all" {
			set, err := env.Resources(ctx, c, false)
			if err != nil {
				return nil, err
			}
			for _, r := range set.Category("all") {
				out = append(out, target{res: r})
			}
			continue
		}
		r, err := env.Resolve(ctx, c, typ)
		if err != nil {
			return nil, err
		}
		out = append(out, target{res: r, names: args[1:]})
	}
	return out, nil
}

func runGet(ctx context.Context, env *Env, c *cli.Context) error {
	format, err := printers.ParseFormat(c.String("output"), c.String("template"))
	if err != nil {
		return usageError(err.Error())
	}
	targets, err := parseTargets(ctx, env, c, c.Args().Slice())
	if err != nil {
		return err
	}
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	ns := env.namespace
	if c.Bool("all-namespaces") {
		ns = ""
	}
	q := url.Values{}
	if s := c.String("selector"); s != "" {
		q.Set("labelSelector", s)
	}
	if s := c.String("field-selector"); s != "" {
		q.Set("fieldSelector", s)
	}
	g := &getter{env: env, cl: cl, ns: ns, query: q, format: format, c: c, multi: len(targets) > 1}
	if format.IsTable() {
		return g.tables(ctx, targets)
	}
	return g.objects(ctx, targets)
}

type getter struct {
	env    *Env
	cl     *client.Client
	c      *cli.Context
	ns     string
	query  url.Values
	format printers.Format
	multi  bool
}

func (g *getter) tableOptions(r resources.Resource) printers.TableOptions {
	o := printers.TableOptions{
		Wide:          g.format.Kind == "wide",
		WithNamespace: g.ns == "" && r.Namespaced,
		ShowLabels:    g.c.Bool("show-labels"),
		NoHeaders:     g.c.Bool("no-headers"),
	}
	if g.multi {
		o.Kind = strings.ToLower(r.QualifiedName())
		if r.GroupVersion.Group == "" {
			o.Kind = r.SingularName
		}
	}
	return o
}

// fetchTable gets the server-side Table for a target.
func (g *getter) fetchTable(ctx context.Context, t target) (*metav1.Table, error) {
	q := url.Values{}
	for k, v := range g.query {
		q[k] = v
	}
	if g.c.String("sort-by") != "" {
		q.Set("includeObject", "Object")
	}
	if len(t.names) == 0 {
		var tbl metav1.Table
		err := doJSON(ctx, g.cl, &client.Request{Method: http.MethodGet, Path: resourcePath(t.res, g.ns, ""), Query: q, Accept: tableAccept}, &tbl)
		return &tbl, err
	}
	var all *metav1.Table
	for _, name := range t.names {
		var tbl metav1.Table
		err := doJSON(ctx, g.cl, &client.Request{Method: http.MethodGet, Path: resourcePath(t.res, g.env.namespace, name), Query: q, Accept: tableAccept}, &tbl)
		if err != nil {
			return nil, err
		}
		if all == nil {
			all = &tbl
		} else {
			all.Rows = append(all.Rows, tbl.Rows...)
		}
	}
	return all, nil
}

func (g *getter) tables(ctx context.Context, targets []target) error {
	watch := g.c.Bool("watch") || g.c.Bool("watch-only")
	if watch && len(targets) != 1 {
		return usageError("you may only specify a single resource type to watch")
	}
	empty := true
	for i, t := range targets {
		tbl, err := g.fetchTable(ctx, t)
		if err != nil {
			return err
		}
		if err := sortRows(tbl, g.c.String("sort-by")); err != nil {
			return err
		}
		if len(tbl.Rows) == 0 && !watch {
			continue
		}
		if !empty && i > 0 {
			fmt.Fprintln(g.env.Out)
		}
		empty = false
		tw := printers.NewTableWriter(g.env.Out, g.tableOptions(t.res))
		if !g.c.Bool("watch-only") {
			tw.Write(tbl)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if watch {
			return g.watchTable(ctx, t, tbl.ResourceVersion, tw)
		}
	}
	if empty {
		g.noResources()
	}
	return nil
}

func (g *getter) noResources() {
	if g.ns == "" {
		fmt.Fprintln(g.env.Err, "No resources found")
		return
	}
	fmt.Fprintf(g.env.Err, "No resources found in %s namespace.\n", g.ns)
}

// watchTable streams watch events as table rows until the context ends.
func (g *getter) watchTable(ctx context.Context, t target, rv string, tw *printers.TableWriter) error {
	q := url.Values{"watch": {"1"}, "resourceVersion": {rv}}
	for k, v := range g.query {
		q[k] = v
	}
	if len(t.names) == 1 {
		q.Set("fieldSelector", "metadata.name="+t.names[0])
	}
	body, err := g.cl.Stream(ctx, &client.Request{Method: http.MethodGet, Path: resourcePath(t.res, g.ns, ""), Query: q, Accept: tableAccept})
	if err != nil {
		return err
	}
	defer body.Close()
	dec := json.NewDecoder(body)
	for {
		var ev struct {
			Type   string          `json:"type"`
			Object json.RawMessage `json:"object"`
		}
		if err := dec.Decode(&ev); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("watch ended: %w", err)
		}
		if ev.Type == "ERROR" {
			var st metav1.Status
			_ = json.Unmarshal(ev.Object, &st)
			return fmt.Errorf("watch error: %s", st.Message)
		}
		if ev.Type == "BOOKMARK" {
			continue
		}
		var tbl metav1.Table
		if err := json.Unmarshal(ev.Object, &tbl); err != nil {
			return fmt.Errorf("decoding watch event: %w", err)
		}
		tw.Write(&tbl)
		if err := tw.Flush(); err != nil {
			return err
		}
	}
}

func (g *getter) objects(ctx context.Context, targets []target) error {
	var items []*unstructured.Unstructured
	single := len(targets) == 1 && len(targets[0].names) == 1
	for _, t := range targets {
		objs, err := g.fetchObjects(ctx, t)
		if err != nil {
			return err
		}
		items = append(items, objs...)
	}
	if err := sortObjects(items, g.c.String("sort-by")); err != nil {
		return err
	}
	if single && len(items) == 1 {
		return printers.PrintObject(g.env.Out, g.format, items[0], "")
	}
	if len(items) == 0 && g.format.Kind == "name" {
		g.noResources()
		return nil
	}
	return printers.PrintObject(g.env.Out, g.format, printers.AsList(items), "")
}

func (g *getter) fetchObjects(ctx context.Context, t target) ([]*unstructured.Unstructured, error) {
	if len(t.names) > 0 {
		var out []*unstructured.Unstructured
		for _, n := range t.names {
			u, err := getObject(ctx, g.cl, t.res, g.env.namespace, n)
			if err != nil {
				return nil, err
			}
			out = append(out, u)
		}
		return out, nil
	}
	var raw map[string]any
	if err := doJSON(ctx, g.cl, &client.Request{Method: http.MethodGet, Path: resourcePath(t.res, g.ns, ""), Query: g.query}, &raw); err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	items, _ := raw["items"].([]any)
	kind := strings.TrimSuffix(fmt.Sprint(raw["kind"]), "List")
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		// Items in a list response carry no apiVersion/kind; kubectl fills them in.
		if u.GetKind() == "" {
			u.SetKind(kind)
			u.SetAPIVersion(t.res.GroupVersion.String())
		}
		out = append(out, u)
	}
	return out, nil
}
