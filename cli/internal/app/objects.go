package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/wharfhq/wharf/proto/client"
)

func objectCommands(env *Env) []*cli.Command {
	return []*cli.Command{
		{Name: "patch", Usage: "Update fields of a resource", ArgsUsage: "(TYPE NAME | TYPE/NAME) -p PATCH",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "patch", Aliases: []string{"p"}, Usage: "the patch, JSON or YAML"},
				&cli.StringFlag{Name: "type", Value: "strategic", Usage: "json|merge|strategic"},
				&cli.StringFlag{Name: "subresource", Usage: "status or scale"},
			},
			Action: func(c *cli.Context) error { return runPatch(c.Context, env, c) }},
		{Name: "edit", Usage: "Edit a resource in $EDITOR", ArgsUsage: "(TYPE NAME | TYPE/NAME)",
			Action: func(c *cli.Context) error { return runEdit(c.Context, env, c) }},
		{Name: "logs", Usage: "Print the logs for a container in a pod", ArgsUsage: "POD [-c CONTAINER]",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}},
				&cli.StringFlag{Name: "container", Aliases: []string{"c"}},
				&cli.BoolFlag{Name: "previous", Aliases: []string{"p"}},
				&cli.IntFlag{Name: "tail", Value: -1},
				&cli.BoolFlag{Name: "timestamps"},
			},
			Action: func(c *cli.Context) error { return runLogs(c.Context, env, c) }},
		{Name: "wait", Usage: "Wait for a condition on resources", ArgsUsage: "(TYPE NAME | TYPE/NAME) --for=condition=C|delete",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "for", Usage: "condition=NAME[=VALUE] or delete"},
				&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second},
			},
			Action: func(c *cli.Context) error { return runWait(c.Context, env, c) }},
	}
}

func patchType(t string) (string, error) {
	switch t {
	case "json":
		return "application/json-patch+json", nil
	case "merge":
		return "application/merge-patch+json", nil
	case "strategic":
		return "application/strategic-merge-patch+json", nil
	}
	return "", usageError(fmt.Sprintf("--type must be one of [json merge strategic], not %q", t))
}

func runPatch(ctx context.Context, env *Env, c *cli.Context) error {
	t, _, err := oneTarget(ctx, env, c)
	if err != nil {
		return err
	}
	pt, err := patchType(c.String("type"))
	if err != nil {
		return err
	}
	if c.String("patch") == "" {
		return usageError("must specify -p to patch")
	}
	patch, err := yaml.YAMLToJSON([]byte(c.String("patch")))
	if err != nil {
		return fmt.Errorf("unable to parse %q: %w", c.String("patch"), err)
	}
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	var sub []string
	if s := c.String("subresource"); s != "" {
		sub = append(sub, s)
	}
	if _, err := patchObject(ctx, cl, t.res, env.namespace, t.names[0], pt, patch, sub...); err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "%s/%s patched\n", kindName(t.res), t.names[0])
	return nil
}

func runEdit(ctx context.Context, env *Env, c *cli.Context) error {
	t, _, err := oneTarget(ctx, env, c)
	if err != nil {
		return err
	}
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	obj, err := getObject(ctx, cl, t.res, env.namespace, t.names[0])
	if err != nil {
		return err
	}
	original, err := yaml.Marshal(obj.Object)
	if err != nil {
		return err
	}
	edited, err := editInEditor(original)
	if err != nil {
		return err
	}
	if bytes.Equal(edited, original) {
		fmt.Fprintln(env.Out, "Edit cancelled, no changes made.")
		return nil
	}
	updated := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(edited, &updated.Object); err != nil {
		return fmt.Errorf("the edited file is not valid YAML: %w", err)
	}
	if _, err := sendObject(ctx, cl, http.MethodPut, t.res, env.namespace, updated, nil); err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "%s/%s edited\n", kindName(t.res), t.names[0])
	return nil
}

// editInEditor writes content to a temp file, runs $KUBE_EDITOR/$EDITOR
// (default vi) on it, and returns what was saved.
func editInEditor(content []byte) ([]byte, error) {
	f, err := os.CreateTemp("", "wharf-edit-*.yaml")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(content); err != nil {
		return nil, err
	}
	f.Close()
	editor := os.Getenv("KUBE_EDITOR")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	cmd := exec.Command("sh", "-c", editor+` "$1"`, "editor", f.Name())
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("editor %q failed: %w", editor, err)
	}
	return os.ReadFile(f.Name())
}

func runLogs(ctx context.Context, env *Env, c *cli.Context) error {
	if c.NArg() < 1 {
		return usageError("expected POD")
	}
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(strings.TrimPrefix(c.Args().First(), "pod/"), "pods/")
	q := url.Values{}
	if c.Bool("follow") {
		q.Set("follow", "true")
	}
	if s := c.String("container"); s != "" {
		q.Set("container", s)
	} else if c.NArg() > 1 {
		q.Set("container", c.Args().Get(1))
	}
	if c.Bool("previous") {
		q.Set("previous", "true")
	}
	if n := c.Int("tail"); n >= 0 {
		q.Set("tailLines", strconv.Itoa(n))
	}
	if c.Bool("timestamps") {
		q.Set("timestamps", "true")
	}
	body, err := cl.Stream(ctx, &client.Request{Method: http.MethodGet,
		Path: "/api/v1/namespaces/" + url.PathEscape(env.namespace) + "/pods/" + url.PathEscape(name) + "/log", Query: q, Accept: "*/*"})
	if err != nil {
		return err
	}
	defer body.Close()
	_, err = io.Copy(env.Out, body)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func runWait(ctx context.Context, env *Env, c *cli.Context) error {
	t, _, err := oneTarget(ctx, env, c)
	if err != nil {
		return err
	}
	cond := c.String("for")
	if cond == "" {
		return usageError("--for must be given: condition=NAME[=VALUE] or delete")
	}
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Duration("timeout"))
	defer cancel()
	for {
		obj, err := getObject(ctx, cl, t.res, env.namespace, t.names[0])
		done, werr := waitDone(cond, obj, err)
		if werr != nil {
			return werr
		}
		if done {
			word := "condition met"
			if cond == "delete" {
				word = "deleted"
			}
			fmt.Fprintf(env.Out, "%s/%s %s\n", kindName(t.res), t.names[0], word)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out waiting for the condition on %s/%s", t.res.Name, t.names[0])
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// waitDone evaluates --for on the fetched object (or the fetch error).
func waitDone(cond string, obj *unstructured.Unstructured, getErr error) (bool, error) {
	if cond == "delete" {
		if apierrors.IsNotFound(getErr) {
			return true, nil
		}
		return false, nil
	}
	if getErr != nil {
		if apierrors.IsNotFound(getErr) {
			return false, nil
		}
		return false, getErr
	}
	spec, ok := strings.CutPrefix(cond, "condition=")
	if !ok {
		return false, usageError(fmt.Sprintf("unrecognized condition: %q", cond))
	}
	name, value, hasValue := strings.Cut(spec, "=")
	if !hasValue {
		value = "True"
	}
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, ci := range conds {
		m, _ := ci.(map[string]any)
		if strings.EqualFold(fmt.Sprint(m["type"]), name) {
			return strings.EqualFold(fmt.Sprint(m["status"]), value), nil
		}
	}
	return false, nil
}
