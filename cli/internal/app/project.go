package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/wharfhq/wharf/proto/client"
)

// OpenShift's project annotations, which the seed walkthrough sets.
const (
	displayNameAnnotation = "openshift.io/display-name"
	descriptionAnnotation = "openshift.io/description"
)

func projectCommands(env *Env) []*cli.Command {
	return []*cli.Command{
		{Name: "new-project", Usage: "Request a new project (a namespace with a display name, description and admin)", ArgsUsage: "NAME",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "display-name"}, &cli.StringFlag{Name: "description"},
				&cli.StringFlag{Name: "admin", Usage: "user to bind to the admin role (provider:user is accepted)"},
				&cli.BoolFlag{Name: "skip-config-write", Usage: "do not switch the current context to the project"},
			},
			Action: func(c *cli.Context) error { return newProject(c.Context, env, c) }},
		{Name: "projects", Usage: "Display existing projects", Action: func(c *cli.Context) error { return listProjects(c.Context, env, c) }},
		{Name: "project", Usage: "Switch to another project, or show the current one", ArgsUsage: "[NAME]",
			Action: func(c *cli.Context) error { return switchProject(c.Context, env, c) }},
	}
}

func toUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	return &unstructured.Unstructured{Object: m}, err
}

func newProject(ctx context.Context, env *Env, c *cli.Context) error {
	if c.NArg() != 1 {
		return usageError("must have exactly one argument: the project name")
	}
	name := c.Args().First()
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	ann := map[string]string{}
	if v := c.String("display-name"); v != "" {
		ann[displayNameAnnotation] = v
	}
	if v := c.String("description"); v != "" {
		ann[descriptionAnnotation] = v
	}
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: ann}}
	if err := postTyped(ctx, cl, "/api/v1/namespaces", ns); err != nil {
		return err
	}
	if admin := c.String("admin"); admin != "" {
		if err := bindAdmin(ctx, cl, name, admin); err != nil {
			return err
		}
	}
	if !c.Bool("skip-config-write") {
		if err := setContextNamespace(env, c, name); err != nil {
			return err
		}
		fmt.Fprintf(env.Out, "Now using project %q on server %q.\n", name, env.server)
		return nil
	}
	fmt.Fprintf(env.Out, "Created project %q on server %q.\n", name, env.server)
	return nil
}

// bindAdmin gives user the admin ClusterRole in the project. "provider:user"
// (the seed's --admin=anypassword:admin) names user "user".
func bindAdmin(ctx context.Context, cl *client.Client, ns, user string) error {
	if i := strings.LastIndex(user, ":"); i >= 0 {
		user = user[i+1:]
	}
	rb := &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: "admin", Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "admin"},
		Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: user}},
	}
	return postTyped(ctx, cl, "/apis/rbac.authorization.k8s.io/v1/namespaces/"+url.PathEscape(ns)+"/rolebindings", rb)
}

func postTyped(ctx context.Context, cl *client.Client, path string, obj runtime.Object) error {
	u, err := toUnstructured(obj)
	if err != nil {
		return err
	}
	body, err := u.MarshalJSON()
	if err != nil {
		return err
	}
	return doJSON(ctx, cl, &client.Request{Method: http.MethodPost, Path: path, Body: body, ContentType: "application/json"}, nil)
}

// setContextNamespace points the current kubeconfig context at ns.
func setContextNamespace(env *Env, c *cli.Context, ns string) error {
	kc, path, err := env.loadKubeconfig(c)
	if err != nil {
		return err
	}
	name := c.String("context")
	if name == "" {
		name = kc.CurrentContext
	}
	ctx, ok := kc.Context(name)
	if !ok {
		return nil // no context to remember the project in (e.g. --server only)
	}
	ctx.Namespace = ns
	return kc.Save(path)
}

func listProjects(ctx context.Context, env *Env, c *cli.Context) error {
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	var list corev1.NamespaceList
	if err := doJSON(ctx, cl, &client.Request{Method: http.MethodGet, Path: "/api/v1/namespaces"}, &list); err != nil {
		return err
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Name < list.Items[j].Name })
	fmt.Fprint(env.Out, "You have access to the following projects and can switch between them with 'wharf project <projectname>':\n\n")
	for _, ns := range list.Items {
		mark := "   "
		if ns.Name == env.namespace {
			mark = "  *"
		}
		line := mark + " " + ns.Name
		if d := ns.Annotations[displayNameAnnotation]; d != "" {
			line += " - " + d
		}
		fmt.Fprintln(env.Out, line)
	}
	fmt.Fprintf(env.Out, "\nUsing project %q on server %q.\n", env.namespace, env.server)
	return nil
}

func switchProject(ctx context.Context, env *Env, c *cli.Context) error {
	cl, err := env.Client(c)
	if err != nil {
		return err
	}
	if c.NArg() == 0 {
		fmt.Fprintf(env.Out, "Using project %q on server %q.\n", env.namespace, env.server)
		return nil
	}
	name := c.Args().First()
	if err := doJSON(ctx, cl, &client.Request{Method: http.MethodGet, Path: "/api/v1/namespaces/" + url.PathEscape(name)}, nil); err != nil {
		return err
	}
	if err := setContextNamespace(env, c, name); err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "Now using project %q on server %q.\n", name, env.server)
	return nil
}
