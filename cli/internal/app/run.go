package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

func runCommands(env *Env) []*cli.Command {
	return []*cli.Command{
		{Name: "run", Usage: "Run a particular image in a pod", ArgsUsage: "NAME --image=IMAGE [-- COMMAND ARGS...]",
			Flags: append(outputFlags(),
				&cli.StringFlag{Name: "image", Usage: "the image for the container (required)"},
				&cli.IntFlag{Name: "port", Value: -1},
				&cli.StringSliceFlag{Name: "env", Usage: "NAME=VALUE environment variables"},
				&cli.StringFlag{Name: "labels", Aliases: []string{"l"}, Usage: "comma-separated labels (default run=NAME)"},
				&cli.StringFlag{Name: "restart", Value: "Always", Usage: "Always|OnFailure|Never"},
				&cli.BoolFlag{Name: "command", Usage: "use the extra arguments as the command instead of args"},
				&cli.StringFlag{Name: "dry-run", Value: "none"},
			),
			Action: func(c *cli.Context) error { return runPod(c.Context, env, c) }},
		{Name: "expose", Usage: "Expose a replication controller, service, deployment or pod as a new Service", ArgsUsage: "(TYPE NAME | TYPE/NAME) --port=PORT",
			Flags: append(outputFlags(),
				&cli.StringFlag{Name: "port", Usage: "the port the service serves on"},
				&cli.StringFlag{Name: "target-port", Usage: "the container port (name or number) to send traffic to"},
				&cli.StringFlag{Name: "name", Usage: "name of the service (default: the resource's name)"},
				&cli.StringFlag{Name: "type", Value: "ClusterIP"},
				&cli.StringFlag{Name: "protocol", Value: "TCP"},
				&cli.StringFlag{Name: "selector"},
				&cli.StringFlag{Name: "dry-run", Value: "none"},
			),
			Action: func(c *cli.Context) error { return runExpose(c.Context, env, c) }},
	}
}

func runPod(ctx context.Context, env *Env, c *cli.Context) error {
	if c.NArg() < 1 {
		return usageError("NAME is required for run")
	}
	if c.String("image") == "" {
		return usageError("--image is required")
	}
	name := c.Args().First()
	lbls := map[string]any{"run": name}
	if s := c.String("labels"); s != "" {
		set, err := labels.ConvertSelectorToLabelsMap(s)
		if err != nil {
			return usageError(fmt.Sprintf("invalid --labels %q: %v", s, err))
		}
		lbls = map[string]any{}
		for k, v := range set {
			lbls[k] = v
		}
	}
	ctr := map[string]any{"name": name, "image": c.String("image")}
	if rest := c.Args().Slice()[1:]; len(rest) > 0 {
		key := "args"
		if c.Bool("command") {
			key = "command"
		}
		ctr[key] = toAny(rest)
	}
	if p := c.Int("port"); p >= 0 {
		ctr["ports"] = []any{map[string]any{"containerPort": p}}
	}
	var envs []any
	for _, e := range c.StringSlice("env") {
		k, v, _ := strings.Cut(e, "=")
		envs = append(envs, map[string]any{"name": k, "value": v})
	}
	if envs != nil {
		ctr["env"] = envs
	}
	obj := object("v1", "Pod", name, lbls)
	obj["spec"] = map[string]any{"containers": []any{ctr}, "restartPolicy": c.String("restart")}
	return createGenerated(ctx, env, c, &unstructured.Unstructured{Object: obj})
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// exposeSelector returns the pod selector of the object being exposed.
func exposeSelector(obj *unstructured.Unstructured) (map[string]any, error) {
	switch obj.GetKind() {
	case "Pod":
		return toAnyMap(obj.GetLabels()), nil
	case "Service", "ReplicationController":
		sel, _, _ := unstructured.NestedStringMap(obj.Object, "spec", "selector")
		return toAnyMap(sel), nil
	case "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet":
		sel, _, _ := unstructured.NestedStringMap(obj.Object, "spec", "selector", "matchLabels")
		return toAnyMap(sel), nil
	}
	return nil, fmt.Errorf("cannot expose a %s", obj.GetKind())
}

func toAnyMap(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func runExpose(ctx context.Context, env *Env, c *cli.Context) error {
	t, _, err := oneTarget(ctx, env, c)
	if err != nil {
		return err
	}
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	src, err := getObject(ctx, cl, t.res, env.namespace, t.names[0])
	if err != nil {
		return err
	}
	sel, err := exposeSelector(src)
	if err != nil {
		return err
	}
	if s := c.String("selector"); s != "" {
		m, err := labels.ConvertSelectorToLabelsMap(s)
		if err != nil {
			return usageError(err.Error())
		}
		sel = toAnyMap(m)
	}
	port, err := exposePort(c, src)
	if err != nil {
		return err
	}
	name := c.String("name")
	if name == "" {
		name = src.GetName()
	}
	entry := map[string]any{"port": port, "protocol": c.String("protocol")}
	if tp := c.String("target-port"); tp != "" {
		if n, err := strconv.Atoi(tp); err == nil {
			entry["targetPort"] = n
		} else {
			entry["targetPort"] = tp
		}
	}
	obj := object("v1", "Service", name, toAnyMap(src.GetLabels()))
	obj["spec"] = map[string]any{"ports": []any{entry}, "selector": sel, "type": c.String("type")}
	return createGenerated(ctx, env, c, &unstructured.Unstructured{Object: obj})
}

// exposePort is --port, or the first container port of the exposed object.
func exposePort(c *cli.Context, src *unstructured.Unstructured) (int64, error) {
	if p := c.String("port"); p != "" {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil {
			return 0, usageError(fmt.Sprintf("invalid --port %q", p))
		}
		return n, nil
	}
	paths := [][]string{{"spec", "containers"}, {"spec", "template", "spec", "containers"}}
	for _, path := range paths {
		ctrs, _, _ := unstructured.NestedSlice(src.Object, path...)
		for _, ci := range ctrs {
			ports, _, _ := unstructured.NestedSlice(ci.(map[string]any), "ports")
			for _, pi := range ports {
				if n, ok, _ := unstructured.NestedInt64(pi.(map[string]any), "containerPort"); ok {
					return n, nil
				}
			}
		}
	}
	return 0, usageError("couldn't find port via --port flag or introspection")
}
