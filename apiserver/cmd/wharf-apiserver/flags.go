package main

import (
	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/apiserver/internal/alloc"
	"github.com/wharfhq/wharf/apiserver/internal/app"
)

func flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "bind-address", Value: "0.0.0.0", Usage: "IP address the HTTPS port listens on"},
		&cli.IntFlag{Name: "secure-port", Value: app.DefaultSecurePort, Usage: "HTTPS port (0 = any free port)"},
		&cli.IntFlag{Name: "insecure-port", Value: 0, Usage: "plain-HTTP port on 127.0.0.1 without authentication (0 = off)"},
		&cli.IntFlag{Name: "port", Usage: "deprecated: alone (without --secure-port) serves only plain HTTP on 127.0.0.1:<port>"},
		&cli.StringFlag{Name: "data-dir", Value: app.DefaultDataDir, Usage: "directory of the embedded etcd"},
		&cli.StringFlag{Name: "cert-dir", Usage: "directory of the generated PKI (default <data-dir>/pki)"},
		&cli.StringFlag{Name: "tls-cert-file", Usage: "serving certificate (PEM); generated in --cert-dir if empty"},
		&cli.StringFlag{Name: "tls-private-key-file", Usage: "key of --tls-cert-file"},
		&cli.StringFlag{Name: "client-ca-file", Usage: "CA bundle that signs client certificates (default: the --cert-dir CA)"},
		&cli.StringFlag{Name: "token-auth-file", Usage: "static bearer tokens, CSV token,user,uid,\"group1,group2\""},
		&cli.BoolFlag{Name: "anonymous-auth", Usage: "let requests without credentials in as system:anonymous"},
		&cli.StringFlag{Name: "authorization-mode", Value: app.ModeRBAC, Usage: "RBAC or AlwaysAllow"},
		&cli.StringFlag{Name: "service-cluster-ip-range", Value: alloc.DefaultIPRange, Usage: "CIDR of Service ClusterIPs"},
		&cli.StringFlag{Name: "service-node-port-range", Value: alloc.DefaultNodePort, Usage: "range of Service NodePorts"},
		&cli.StringFlag{Name: "advertise-address", Usage: "IP of this apiserver in the kubernetes Service endpoints"},
		&cli.StringFlag{Name: "audit-log-path", Usage: "file to append one JSON line per request to (off if empty)"},
		&cli.StringSliceFlag{Name: "etcd-servers", Usage: "external etcd client URLs (comma-separated); embedded etcd if empty"},
		&cli.StringFlag{Name: "etcd-cafile", Usage: "CA bundle that verifies the external etcd servers' certificates"},
		&cli.StringFlag{Name: "etcd-certfile", Usage: "client certificate for the external etcd (PEM)"},
		&cli.StringFlag{Name: "etcd-keyfile", Usage: "key of --etcd-certfile (PEM)"},
		&cli.IntFlag{Name: "watch-cache-size", Usage: "events kept per resource watch cache (0 = default)"},
		&cli.DurationFlag{Name: "compaction-interval", Value: app.DefaultCompactionInterval, Usage: "etcd compaction interval"},
		&cli.BoolFlag{Name: "profiling", Usage: "serve net/http/pprof under /debug/pprof/"},
		&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"},
	}
}
