// Command wharf-apiserver serves the Kubernetes API over HTTPS with
// client-certificate, token and ServiceAccount authentication and RBAC,
// on etcd (embedded in --data-dir unless --etcd-servers is given).
// "wharf-apiserver certs component" issues component kubeconfigs.
package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/apiserver/internal/app"
	"github.com/wharfhq/wharf/apiserver/internal/etcd"
)

func main() {
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "wharf-apiserver:", err)
		os.Exit(1)
	}
}

func newApp() *cli.App {
	return &cli.App{
		Name:     "wharf-apiserver",
		Usage:    "Kubernetes-compatible API server on etcd",
		Flags:    flags(),
		Action:   run,
		Commands: []*cli.Command{certsCommand()},
	}
}

func run(c *cli.Context) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := app.Options{
		BindAddress: c.String("bind-address"), SecurePort: c.Int("secure-port"),
		Insecure: c.Int("insecure-port") > 0, InsecurePort: c.Int("insecure-port"),
		DataDir: c.String("data-dir"), CertDir: c.String("cert-dir"),
		TLSCertFile: c.String("tls-cert-file"), TLSKeyFile: c.String("tls-private-key-file"),
		ClientCAFile: c.String("client-ca-file"), TokenAuthFile: c.String("token-auth-file"),
		AnonymousAuth: c.Bool("anonymous-auth"), AuthorizationMode: c.String("authorization-mode"),
		ServiceClusterIPRange: c.String("service-cluster-ip-range"),
		ServiceNodePortRange:  c.String("service-node-port-range"),
		AdvertiseAddress:      c.String("advertise-address"),
		AuditLogPath:          c.String("audit-log-path"),
		EtcdServers:           c.StringSlice("etcd-servers"),
		EtcdTLS:               etcd.TLSFiles{CAFile: c.String("etcd-cafile"), CertFile: c.String("etcd-certfile"), KeyFile: c.String("etcd-keyfile")},
		WatchCacheCapacity:    c.Int("watch-cache-size"),
		CompactionInterval:    c.Duration("compaction-interval"),
		Profiling:             c.Bool("profiling"),
		Logger:                logger,
	}
	if c.IsSet("port") && !c.IsSet("secure-port") {
		// Legacy development mode: plain HTTP only, on 127.0.0.1:--port.
		opts.DisableTLS, opts.Insecure, opts.InsecurePort = true, true, c.Int("port")
	}
	return app.Run(ctx, opts)
}
