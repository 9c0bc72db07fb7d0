package app

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
	"k8s.io/apimachinery/pkg/version"
)

// clientVersion is reported by `wharf version`.
const clientVersion = "v1.37.0+wharf"

func infoCommands(env *Env) []*cli.Command {
	return []*cli.Command{
		{
			Name:  "version",
			Usage: "Print the client and server version information",
			Flags: []cli.Flag{&cli.BoolFlag{Name: "client", Usage: "client version only"}},
			Action: func(c *cli.Context) error {
				fmt.Fprintf(env.Out, "Client Version: %s\n", clientVersion)
				if c.Bool("client") {
					return nil
				}
				cl, err := env.Client(c)
				if err != nil {
					return err
				}
				var v version.Info
				if err := getJSON(c.Context, cl, "/version", &v); err != nil {
					return err
				}
				fmt.Fprintf(env.Out, "Server Version: %s\n", v.GitVersion)
				return nil
			},
		},
		{
			Name:  "api-resources",
			Usage: "Print the supported API resources on the server",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "namespaced", Value: true, Usage: "with --namespaced=false, only cluster-scoped resources"},
				&cli.StringFlag{Name: "api-group", Usage: "only resources in this API group"},
				&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "name|wide"},
			},
			Action: func(c *cli.Context) error { return apiResources(c.Context, env, c) },
		},
		{
			Name:  "api-versions",
			Usage: "Print the supported API versions on the server, in the form of \"group/version\"",
			Action: func(c *cli.Context) error {
				set, err := env.Resources(c.Context, c, true)
				if err != nil {
					return err
				}
				seen := map[string]bool{}
				var out []string
				for _, r := range set.All() {
					if gv := r.GroupVersion.String(); !seen[gv] {
						seen[gv] = true
						out = append(out, gv)
					}
				}
				sort.Strings(out)
				fmt.Fprintln(env.Out, strings.Join(out, "\n"))
				return nil
			},
		},
		{
			Name:  "cluster-info",
			Usage: "Display the address of the control plane",
			Action: func(c *cli.Context) error {
				if _, err := env.Client(c); err != nil {
					return err
				}
				fmt.Fprintf(env.Out, "Kubernetes control plane is running at %s\n", env.server)
				return nil
			},
		},
	}
}

func apiResources(ctx context.Context, env *Env, c *cli.Context) error {
	set, err := env.Resources(ctx, c, true)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Out, 6, 4, 3, ' ', 0)
	wide := c.String("output") == "wide"
	if c.String("output") != "name" {
		head := "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND"
		if wide {
			head += "\tVERBS\tCATEGORIES"
		}
		fmt.Fprintln(tw, head)
	}
	for _, r := range set.All() {
		if c.IsSet("namespaced") && r.Namespaced != c.Bool("namespaced") {
			continue
		}
		if c.IsSet("api-group") && r.GroupVersion.Group != c.String("api-group") {
			continue
		}
		if c.String("output") == "name" {
			fmt.Fprintln(tw, r.QualifiedName())
			continue
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%t\t%s", r.Name, strings.Join(r.ShortNames, ","), r.GroupVersion, r.Namespaced, r.Kind)
		if wide {
			line += fmt.Sprintf("\t%s\t%s", r.Verbs, strings.Join(r.Categories, ","))
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}
