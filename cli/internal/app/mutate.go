package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"k8s.io/apimachinery/pkg/util/validation"
)

func mutateCommands(env *Env) []*cli.Command {
	return []*cli.Command{
		{
			Name:      "scale",
			Usage:     "Set a new size for a deployment, replica set, replication controller, or stateful set",
			ArgsUsage: "(TYPE NAME | TYPE/NAME) --replicas=COUNT",
			Flags: []cli.Flag{
				&cli.IntFlag{Name: "replicas", Value: -1, Usage: "the new desired number of replicas (required)"},
				&cli.IntFlag{Name: "current-replicas", Value: -1, Usage: "precondition for the current size"},
			},
			Action: func(c *cli.Context) error { return runScale(c.Context, env, c) },
		},
		metadataCommand(env, "label", "labels", "labeled"),
		metadataCommand(env, "annotate", "annotations", "annotated"),
	}
}

// oneTarget resolves "TYPE NAME" or "TYPE/NAME" and returns the remaining
// arguments.
func oneTarget(ctx context.Context, env *Env, c *cli.Context) (target, []string, error) {
	args := c.Args().Slice()
	if len(args) == 0 {
		return target{}, nil, usageError("you must specify the type of resource and a name")
	}
	typ, name, slash := strings.Cut(args[0], "/")
	rest := args[1:]
	if !slash {
		if len(args) < 2 {
			return target{}, nil, usageError("you must specify the name of the resource")
		}
		name, rest = args[1], args[2:]
	}
	r, err := env.Resolve(ctx, c, typ)
	if err != nil {
		return target{}, nil, err
	}
	return target{res: r, names: []string{name}}, rest, nil
}

func runScale(ctx context.Context, env *Env, c *cli.Context) error {
	if c.Int("replicas") < 0 {
		return usageError("the --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
	}
	t, _, err := oneTarget(ctx, env, c)
	if err != nil {
		return err
	}
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	name := t.names[0]
	if cur := c.Int("current-replicas"); cur >= 0 {
		scale, err := getObject(ctx, cl, t.res, env.namespace, name, "scale")
		if err != nil {
			return err
		}
		if got, _, _ := unstructuredInt(scale.Object, "spec", "replicas"); got != int64(cur) {
			return fmt.Errorf("expected replicas to be %d, was %d", cur, got)
		}
	}
	patch := fmt.Sprintf(`{"spec":{"replicas":%d}}`, c.Int("replicas"))
	if _, err := patchObject(ctx, cl, t.res, env.namespace, name, "application/merge-patch+json", []byte(patch), "scale"); err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "%s/%s scaled\n", kindName(t.res), name)
	return nil
}

func unstructuredInt(obj map[string]any, path ...string) (int64, bool, error) {
	var cur any = obj
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, false, nil
		}
		cur = m[p]
	}
	switch v := cur.(type) {
	case float64:
		return int64(v), true, nil
	case int64:
		return v, true, nil
	}
	return 0, false, nil
}

// metadataCommand builds `label` and `annotate`: KEY=VAL sets, KEY- removes.
func metadataCommand(env *Env, name, field, past string) *cli.Command {
	return &cli.Command{
		Name:      name,
		Usage:     "Update the " + field + " on a resource",
		ArgsUsage: "(TYPE NAME | TYPE/NAME) KEY_1=VAL_1 ... KEY_N=VAL_N | KEY-",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "overwrite", Usage: "allow existing values to be overwritten"}},
		Action: func(c *cli.Context) error {
			t, pairs, err := oneTarget(c.Context, env, c)
			if err != nil {
				return err
			}
			changes, err := parseMetadataChanges(pairs, field == "labels")
			if err != nil {
				return err
			}
			cl, err := env.Client(c)
			if err != nil {
				return err
			}
			obj, err := getObject(c.Context, cl, t.res, env.namespace, t.names[0])
			if err != nil {
				return err
			}
			current := obj.GetAnnotations()
			if field == "labels" {
				current = obj.GetLabels()
			}
			if !c.Bool("overwrite") {
				for k, v := range changes {
					if old, ok := current[k]; ok && v != nil && old != *v {
						return fmt.Errorf("'%s' already has a value (%s), and --overwrite is false", k, old)
					}
				}
			}
			patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{field: changes,
				"resourceVersion": obj.GetResourceVersion()}})
			if _, err := patchObject(c.Context, cl, t.res, env.namespace, t.names[0], "application/merge-patch+json", patch); err != nil {
				return err
			}
			fmt.Fprintf(env.Out, "%s/%s %s\n", kindName(t.res), t.names[0], past)
			return nil
		},
	}
}

// parseMetadataChanges turns ["a=1", "b-"] into {"a": "1", "b": nil}.
func parseMetadataChanges(args []string, labels bool) (map[string]*string, error) {
	if len(args) == 0 {
		return nil, usageError("at least one key=value or key- is required")
	}
	out := map[string]*string{}
	for _, a := range args {
		if k, ok := strings.CutSuffix(a, "-"); ok && !strings.Contains(a, "=") {
			out[k] = nil
			continue
		}
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return nil, usageError(fmt.Sprintf("invalid argument %q: expected KEY=VALUE or KEY-", a))
		}
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return nil, fmt.Errorf("invalid key %q: %s", k, strings.Join(errs, "; "))
		}
		if labels {
			if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
				return nil, fmt.Errorf("invalid label value %s: %s", strconv.Quote(v), strings.Join(errs, "; "))
			}
		}
		out[k] = &v
	}
	return out, nil
}
