package app

import (
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/proto/kubeconfig"
)

// loadKubeconfig loads the kubeconfig the command works on; a missing
// file yields an empty config that Save creates.
func (e *Env) loadKubeconfig(c *cli.Context) (*kubeconfig.Config, string, error) {
	kc, path, err := kubeconfig.LoadDefault(e.kubeconfigFlag(c))
	if err == nil {
		return kc, path, nil
	}
	if path == "" {
		path = c.String("kubeconfig")
	}
	if path == "" {
		path = e.Home + "/.wharf/config"
	}
	return kubeconfig.New(path), path, nil
}

func configCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "config",
		Usage: "Modify kubeconfig files",
		Subcommands: []*cli.Command{
			{Name: "view", Usage: "Display merged kubeconfig settings", Flags: []cli.Flag{
				&cli.BoolFlag{Name: "raw", Usage: "show certificates and tokens"},
			}, Action: func(c *cli.Context) error { return configView(env, c) }},
			{Name: "current-context", Usage: "Display the current-context", Action: func(c *cli.Context) error {
				kc, _, err := env.loadKubeconfig(c)
				if err != nil {
					return err
				}
				if kc.CurrentContext == "" {
					return fmt.Errorf("current-context is not set")
				}
				fmt.Fprintln(env.Out, kc.CurrentContext)
				return nil
			}},
			{Name: "use-context", Usage: "Set the current-context in a kubeconfig file", ArgsUsage: "CONTEXT_NAME",
				Action: func(c *cli.Context) error { return configUseContext(env, c) }},
			{Name: "set-context", Usage: "Set a context entry in kubeconfig", ArgsUsage: "[NAME | --current]",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "current", Usage: "modify the current context"},
					&cli.StringFlag{Name: "cluster"}, &cli.StringFlag{Name: "user"},
				}, Action: func(c *cli.Context) error { return configSetContext(env, c) }},
			{Name: "get-contexts", Usage: "Describe one or many contexts", Action: func(c *cli.Context) error { return configGetContexts(env, c) }},
		},
	}
}

func configView(env *Env, c *cli.Context) error {
	kc, _, err := env.loadKubeconfig(c)
	if err != nil {
		return err
	}
	if !c.Bool("raw") {
		redacted := *kc
		redacted.Clusters = append([]kubeconfig.NamedCluster(nil), kc.Clusters...)
		redacted.AuthInfos = append([]kubeconfig.NamedAuthInfo(nil), kc.AuthInfos...)
		for i := range redacted.Clusters {
			if len(redacted.Clusters[i].Cluster.CertificateAuthorityData) > 0 {
				redacted.Clusters[i].Cluster.CertificateAuthorityData = []byte("DATA+OMITTED")
			}
		}
		for i := range redacted.AuthInfos {
			u := &redacted.AuthInfos[i].AuthInfo
			if len(u.ClientCertificateData) > 0 {
				u.ClientCertificateData = []byte("DATA+OMITTED")
			}
			if len(u.ClientKeyData) > 0 {
				u.ClientKeyData = []byte("DATA+OMITTED")
			}
			if u.Token != "" {
				u.Token = "REDACTED"
			}
		}
		kc = &redacted
	}
	b, err := kc.Marshal()
	if err != nil {
		return err
	}
	_, err = env.Out.Write(b)
	return err
}

func configUseContext(env *Env, c *cli.Context) error {
	if c.NArg() != 1 {
		return usageError("unexpected args: expected exactly one CONTEXT_NAME")
	}
	kc, path, err := env.loadKubeconfig(c)
	if err != nil {
		return err
	}
	if err := kc.UseContext(c.Args().First()); err != nil {
		return fmt.Errorf("no context exists with the name: %q", c.Args().First())
	}
	if err := kc.Save(path); err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "Switched to context %q.\n", c.Args().First())
	return nil
}

func configSetContext(env *Env, c *cli.Context) error {
	kc, path, err := env.loadKubeconfig(c)
	if err != nil {
		return err
	}
	name := c.Args().First()
	if c.Bool("current") {
		name = kc.CurrentContext
	}
	if name == "" {
		return usageError("you must specify a NAME or --current")
	}
	ctx, exists := kc.Context(name)
	next := kubeconfig.Context{}
	if exists {
		next = *ctx
	}
	if c.IsSet("cluster") {
		next.Cluster = c.String("cluster")
	}
	if c.IsSet("user") {
		next.AuthInfo = c.String("user")
	}
	if c.IsSet("namespace") {
		next.Namespace = c.String("namespace")
	}
	kc.SetContext(name, next)
	if err := kc.Save(path); err != nil {
		return err
	}
	word := map[bool]string{true: "modified", false: "created"}[exists]
	fmt.Fprintf(env.Out, "Context %q %s.\n", name, word)
	return nil
}

func configGetContexts(env *Env, c *cli.Context) error {
	kc, _, err := env.loadKubeconfig(c)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Out, 6, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE")
	for _, nc := range kc.Contexts {
		cur := ""
		if nc.Name == kc.CurrentContext {
			cur = "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cur, nc.Name, nc.Context.Cluster, nc.Context.AuthInfo, nc.Context.Namespace)
	}
	return tw.Flush()
}
