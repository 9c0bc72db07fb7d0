package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/cli/internal/resources"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/kubeconfig"
)

// Env is what every command works with: the streams, the connection
// settings from flags and kubeconfig, and lazily built client and
// discovery.
type Env struct {
	In       io.Reader
	Out, Err io.Writer
	Now      func() time.Time
	// Home is where ~/.wharf lives (the cache and the default kubeconfig).
	Home string

	client    *client.Client
	namespace string
	server    string
	set       *resources.Set
}

// connectionFlags are accepted by every command, like kubectl's globals.
func connectionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "kubeconfig", Usage: "path to the kubeconfig file", EnvVars: []string{"KUBECONFIG"}},
		&cli.StringFlag{Name: "context", Usage: "the kubeconfig context to use"},
		&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "the namespace scope for this request"},
		&cli.StringFlag{Name: "server", Aliases: []string{"s"}, Usage: "the address of the API server"},
		&cli.StringFlag{Name: "token", Usage: "bearer token for authentication to the API server"},
		&cli.BoolFlag{Name: "insecure-skip-tls-verify", Usage: "do not verify the server's certificate"},
	}
}

// Client returns the API client for the command's flags and kubeconfig.
func (e *Env) Client(c *cli.Context) (*client.Client, error) {
	if e.client != nil {
		return e.client, nil
	}
	cfg, ns, err := e.clientConfig(c)
	if err != nil {
		return nil, err
	}
	if n := c.String("namespace"); n != "" {
		ns = n
	}
	e.namespace = ns
	e.server = cfg.Host
	cl, err := client.New(cfg)
	if err != nil {
		return nil, err
	}
	e.client = cl
	return cl, nil
}

func (e *Env) clientConfig(c *cli.Context) (*client.Config, string, error) {
	var cfg *client.Config
	ns := "default"
	kc, _, err := kubeconfig.LoadDefault(e.kubeconfigFlag(c))
	switch {
	case err == nil:
		cfg, ns, err = kc.ClientConfig(c.String("context"))
		if err != nil && c.String("server") == "" {
			return nil, "", err
		}
	case c.String("server") == "":
		return nil, "", fmt.Errorf("no configuration: %w (use --kubeconfig or --server)", err)
	}
	if cfg == nil {
		cfg = &client.Config{}
	}
	if s := c.String("server"); s != "" {
		cfg.Host = s
	}
	if t := c.String("token"); t != "" {
		cfg.BearerToken = t
	}
	if c.Bool("insecure-skip-tls-verify") {
		cfg.Insecure = true
	}
	if ns == "" {
		ns = "default"
	}
	return cfg, ns, nil
}

func (e *Env) kubeconfigFlag(c *cli.Context) string {
	return c.String("kubeconfig")
}

// Namespace is the namespace for namespaced requests (flag, then context).
func (e *Env) Namespace(c *cli.Context) (string, error) {
	if _, err := e.Client(c); err != nil {
		return "", err
	}
	return e.namespace, nil
}

// Resources returns the server's resources from discovery (cached on disk
// for ten minutes; refetched once when a name does not resolve).
func (e *Env) Resources(ctx context.Context, c *cli.Context, refresh bool) (*resources.Set, error) {
	if e.set != nil && !refresh {
		return e.set, nil
	}
	cl, err := e.Client(c)
	if err != nil {
		return nil, err
	}
	cache := &resources.Cache{Dir: filepath.Join(e.Home, ".wharf", "cache", "discovery"), TTL: 10 * time.Minute, Now: e.Now}
	set, err := cache.Load(ctx, e.server, func(ctx context.Context) ([]*metav1.APIResourceList, error) {
		return serverResources(ctx, cl)
	}, refresh)
	if err != nil {
		return nil, err
	}
	e.set = set
	return set, nil
}

// Resolve maps a user's resource name through discovery, refreshing the
// cache once if the name is unknown.
func (e *Env) Resolve(ctx context.Context, c *cli.Context, name string) (resources.Resource, error) {
	set, err := e.Resources(ctx, c, false)
	if err != nil {
		return resources.Resource{}, err
	}
	r, err := set.Resolve(name)
	if err == nil {
		return r, nil
	}
	if set, err = e.Resources(ctx, c, true); err != nil {
		return resources.Resource{}, err
	}
	return set.Resolve(name)
}

func homeDir() string {
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return "/"
}
