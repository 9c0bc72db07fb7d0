package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/apiserver/internal/app"
	"github.com/wharfhq/wharf/apiserver/internal/pki"
)

// certsCommand issues component identities from the cert dir's CA, as an
// admin does before starting the systemd units.
func certsCommand() *cli.Command {
	return &cli.Command{
		Name:  "certs",
		Usage: "issue client certificates and kubeconfigs from the cluster CA",
		Subcommands: []*cli.Command{{
			Name:  "component",
			Usage: "write a kubeconfig with a client certificate for one identity",
			Description: "examples:\n  certs component --name system:kube-scheduler --out scheduler.kubeconfig\n" +
				"  certs component --node worker-1 --out worker-1.kubeconfig   (system:node:worker-1 in system:nodes)",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "cert-dir", Value: filepath.Join(app.DefaultDataDir, "pki"), Usage: "directory with ca.crt and ca.key"},
				&cli.StringFlag{Name: "name", Usage: "user name (certificate CN), e.g. system:kube-scheduler"},
				&cli.StringSliceFlag{Name: "group", Usage: "group (certificate O); repeatable"},
				&cli.StringFlag{Name: "node", Usage: "node name: user system:node:<node> in group system:nodes"},
				&cli.StringFlag{Name: "server", Value: "https://127.0.0.1:6443", Usage: "apiserver URL in the kubeconfig"},
				&cli.StringFlag{Name: "out", Required: true, Usage: "kubeconfig file to write"},
			},
			Action: issueComponent,
		}},
	}
}

func issueComponent(c *cli.Context) error {
	name, groups := c.String("name"), c.StringSlice("group")
	if n := c.String("node"); n != "" {
		name, groups = "system:node:"+n, append(groups, "system:nodes")
	}
	if name == "" {
		return errors.New("certs component: --name or --node is required")
	}
	dir := c.String("cert-dir")
	ca, err := pki.LoadCA(filepath.Join(dir, pki.CACert), filepath.Join(dir, pki.CAKey))
	if err != nil {
		return fmt.Errorf("certs component: %w", err)
	}
	return pki.WriteClientKubeconfig(ca, c.String("out"), c.String("server"), name, groups)
}
