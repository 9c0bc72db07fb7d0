package etcd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// dialTimeout bounds connection setup and the first health check.
const dialTimeout = 10 * time.Second

// TLSFiles names the PEM files for talking to etcd over TLS, as
// kube-apiserver's --etcd-cafile, --etcd-certfile and --etcd-keyfile.
// CAFile alone verifies the server; CertFile and KeyFile add a client
// certificate.
type TLSFiles struct {
	CAFile, CertFile, KeyFile string
}

// empty reports whether no file is named (plain http endpoints).
func (f TLSFiles) empty() bool { return f.CAFile == "" && f.CertFile == "" && f.KeyFile == "" }

// config loads the files into a client TLS configuration.
func (f TLSFiles) config() (*tls.Config, error) {
	if (f.CertFile == "") != (f.KeyFile == "") {
		return nil, errors.New("etcd: client certificate and key must be given together")
	}
	info := transport.TLSInfo{TrustedCAFile: f.CAFile, CertFile: f.CertFile, KeyFile: f.KeyFile}
	cfg, err := info.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("etcd: load TLS files: %w", err)
	}
	return cfg, nil
}

// Dial connects to the etcd cluster at endpoints (over TLS when tlsFiles
// names any file) and checks that it answers (a read of the cluster's
// revision) before returning. The caller closes the client.
func Dial(ctx context.Context, endpoints []string, tlsFiles ...TLSFiles) (*clientv3.Client, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("etcd: dial: no endpoints")
	}
	cfg := clientv3.Config{
		Endpoints:          endpoints,
		DialTimeout:        dialTimeout,
		DialKeepAliveTime:  30 * time.Second,
		MaxCallRecvMsgSize: 256 << 20,
		Logger:             zap.NewNop(),
	}
	if len(tlsFiles) > 1 {
		return nil, errors.New("etcd: dial: at most one TLSFiles")
	}
	if len(tlsFiles) == 1 && !tlsFiles[0].empty() {
		tc, err := tlsFiles[0].config()
		if err != nil {
			return nil, err
		}
		cfg.TLS = tc
	}
	c, err := clientv3.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("etcd: dial %v: %w", endpoints, err)
	}
	cctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	if _, err := c.Get(cctx, "health", clientv3.WithCountOnly()); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("etcd: dial %v: health check: %w", endpoints, err)
	}
	return c, nil
}
