package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/wharfhq/wharf/cli/internal/printers"
)

// createSubcommands are kubectl's generators: `create namespace NAME`, ...
func createSubcommands(env *Env) []*cli.Command {
	gen := func(name, usage string, flags []cli.Flag, build func(c *cli.Context, name string) (map[string]any, error)) *cli.Command {
		return &cli.Command{
			Name: name, Usage: usage, ArgsUsage: "NAME",
			Flags: append(append(flags, outputFlags()...), &cli.StringFlag{Name: "dry-run", Value: "none"}),
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return usageError("exactly one NAME is required")
				}
				obj, err := build(c, c.Args().First())
				if err != nil {
					return err
				}
				return createGenerated(c.Context, env, c, &unstructured.Unstructured{Object: obj})
			},
		}
	}
	return []*cli.Command{
		gen("namespace", "Create a namespace with the specified name", nil, func(c *cli.Context, name string) (map[string]any, error) {
			return object("v1", "Namespace", name, nil), nil
		}),
		gen("deployment", "Create a deployment with the specified name", []cli.Flag{
			&cli.StringSliceFlag{Name: "image", Usage: "image names to run (required)"},
			&cli.IntFlag{Name: "replicas", Aliases: []string{"r"}, Value: 1},
			&cli.IntFlag{Name: "port", Value: -1, Usage: "the containerPort to expose"},
		}, buildDeployment),
		gen("configmap", "Create a config map from literal values or files", []cli.Flag{
			&cli.StringSliceFlag{Name: "from-literal", Usage: "key=value pairs"},
			&cli.StringSliceFlag{Name: "from-file", Usage: "[key=]file"},
		}, func(c *cli.Context, name string) (map[string]any, error) {
			data, err := literalData(c)
			if err != nil {
				return nil, err
			}
			obj := object("v1", "ConfigMap", name, nil)
			obj["data"] = data
			return obj, nil
		}),
		{
			Name:  "secret",
			Usage: "Create a secret",
			Subcommands: []*cli.Command{gen("generic", "Create a secret from literal values or files", []cli.Flag{
				&cli.StringSliceFlag{Name: "from-literal"}, &cli.StringSliceFlag{Name: "from-file"},
				&cli.StringFlag{Name: "type", Value: "Opaque"},
			}, func(c *cli.Context, name string) (map[string]any, error) {
				data, err := literalData(c)
				if err != nil {
					return nil, err
				}
				obj := object("v1", "Secret", name, nil)
				obj["stringData"] = data
				obj["type"] = c.String("type")
				return obj, nil
			})},
		},
		{
			Name:  "service",
			Usage: "Create a service",
			Subcommands: []*cli.Command{
				gen("clusterip", "Create a ClusterIP service", []cli.Flag{&cli.StringSliceFlag{Name: "tcp", Usage: "port:targetPort"}}, serviceBuilder("ClusterIP")),
				gen("nodeport", "Create a NodePort service", []cli.Flag{&cli.StringSliceFlag{Name: "tcp", Usage: "port:targetPort"}}, serviceBuilder("NodePort")),
			},
		},
	}
}

// object returns the skeleton of an object.
func object(apiVersion, kind, name string, labels map[string]any) map[string]any {
	meta := map[string]any{"name": name}
	if labels != nil {
		meta["labels"] = labels
	}
	return map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": meta}
}

func buildDeployment(c *cli.Context, name string) (map[string]any, error) {
	images := c.StringSlice("image")
	if len(images) == 0 {
		return nil, usageError("required flag(s) \"image\" not set")
	}
	var containers []any
	for _, img := range images {
		cn := imageName(img)
		ctr := map[string]any{"name": cn, "image": img}
		if p := c.Int("port"); p >= 0 {
			ctr["ports"] = []any{map[string]any{"containerPort": p}}
		}
		containers = append(containers, ctr)
	}
	labels := map[string]any{"app": name}
	obj := object("apps/v1", "Deployment", name, labels)
	obj["spec"] = map[string]any{
		"replicas": c.Int("replicas"),
		"selector": map[string]any{"matchLabels": labels},
		"template": map[string]any{
			"metadata": map[string]any{"labels": labels},
			"spec":     map[string]any{"containers": containers},
		},
	}
	return obj, nil
}

// imageName derives a container name from an image, as kubectl does.
func imageName(image string) string {
	base := image[strings.LastIndex(image, "/")+1:]
	base, _, _ = strings.Cut(base, "@")
	base, _, _ = strings.Cut(base, ":")
	return base
}

func serviceBuilder(typ string) func(c *cli.Context, name string) (map[string]any, error) {
	return func(c *cli.Context, name string) (map[string]any, error) {
		var ports []any
		for _, spec := range c.StringSlice("tcp") {
			p, tp, _ := strings.Cut(spec, ":")
			port, err := strconv.Atoi(p)
			if err != nil {
				return nil, usageError(fmt.Sprintf("invalid --tcp %q: want port[:targetPort]", spec))
			}
			entry := map[string]any{"name": p + "-" + orDefault(tp, p), "port": port, "protocol": "TCP"}
			if tp == "" {
				tp = p
			}
			if n, err := strconv.Atoi(tp); err == nil {
				entry["targetPort"] = n
			} else {
				entry["targetPort"] = tp
			}
			ports = append(ports, entry)
		}
		obj := object("v1", "Service", name, map[string]any{"app": name})
		obj["spec"] = map[string]any{"type": typ, "ports": ports, "selector": map[string]any{"app": name}}
		return obj, nil
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// literalData collects --from-literal key=value and --from-file [key=]path.
func literalData(c *cli.Context) (map[string]any, error) {
	data := map[string]any{}
	for _, l := range c.StringSlice("from-literal") {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return nil, usageError(fmt.Sprintf("invalid literal source %s, expected key=value", l))
		}
		data[k] = v
	}
	for _, f := range c.StringSlice("from-file") {
		k, path, ok := strings.Cut(f, "=")
		if !ok {
			k, path = filepath.Base(f), f
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		data[k] = string(b)
	}
	return data, nil
}

// createGenerated POSTs a generated object (or prints it for --dry-run=client).
func createGenerated(ctx context.Context, env *Env, c *cli.Context, obj *unstructured.Unstructured) error {
	format, err := printers.ParseFormat(c.String("output"), c.String("template"))
	if err != nil {
		return usageError(err.Error())
	}
	set, err := env.Resources(ctx, c, false)
	if err != nil {
		return err
	}
	r, err := set.ForKind(obj.GetAPIVersion(), obj.GetKind())
	if err != nil {
		return err
	}
	out := obj
	if c.String("dry-run") != "client" {
		cl, err := env.Client(c)
		if err != nil {
			return err
		}
		if out, err = sendObject(ctx, cl, http.MethodPost, r, env.namespace, obj, nil); err != nil {
			return err
		}
	}
	if format.Kind != "table" {
		return printers.PrintObject(env.Out, format, out, "")
	}
	fmt.Fprintf(env.Out, "%s/%s created\n", kindName(r), obj.GetName())
	return nil
}
