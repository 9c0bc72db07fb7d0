package etcd

import (
	"context"
	"errors"
	"fmt"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	"log/slog"
	"net"
	"net/url"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap/zapcore"
)

// EmbeddedConfig configures an embedded single-member etcd.
type EmbeddedConfig struct {
	// DataDir holds etcd's WAL and database. Starting again on the same
	// directory keeps all data.
	DataDir string
	// ClientURL and PeerURL are where etcd listens, e.g.
	// "http://127.0.0.1:2379". Empty means 127.0.0.1 on a free port.
	ClientURL, PeerURL string
	// Logger receives etcd's error-level logs; nil discards them.
	Logger *slog.Logger
	// ClientTLS, if its files are set, serves clients over https and
	// requires client certificates signed by its CAFile.
	ClientTLS TLSFiles
}

// Embedded is a running embedded etcd server.
type Embedded struct {
	etcd      *embed.Etcd
	endpoints []string
}

// startTimeout bounds how long StartEmbedded waits for the server to
// become ready (first start elects itself, restart replays the WAL).
const startTimeout = 60 * time.Second

// StartEmbedded starts etcd in this process and waits until it serves
// requests or ctx ends.
//
// Tuning: the defaults are kept for everything that affects durability
// (fsync on every commit, 100ms backend batch interval). Because the
// member is alone, the raft tick is shortened (50ms heartbeat, 500ms
// election) so a fresh start elects itself quickly; there are no peers
// whose heartbeats could be delayed. The backend quota is raised to 8 GiB
// as kube-apiserver deployments do, and etcd's own auto-compaction is off:
// storage.Store.RunCompactor compacts like kube-apiserver.
func StartEmbedded(ctx context.Context, cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("etcd: embedded: DataDir is required")
	}
	ecfg, err := embedConfig(cfg)
	if err != nil {
		return nil, err
	}
	e, err := embed.StartEtcd(ecfg)
	if err != nil {
		return nil, fmt.Errorf("etcd: start embedded in %s: %w", cfg.DataDir, err)
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("etcd: embedded server failed: %w", err)
	case <-ctx.Done():
		e.Server.Stop()
		e.Close()
		return nil, fmt.Errorf("etcd: embedded server not ready: %w", ctx.Err())
	}
	var eps []string
	scheme := "http://"
	if !cfg.ClientTLS.empty() {
		scheme = "https://"
	}
	for _, l := range e.Clients {
		eps = append(eps, scheme+l.Addr().String())
	}
	if cfg.Logger != nil {
		cfg.Logger.Info("embedded etcd started", "dataDir", cfg.DataDir, "endpoints", eps)
	}
	return &Embedded{etcd: e, endpoints: eps}, nil
}

// embedConfig translates cfg into etcd's configuration.
func embedConfig(cfg EmbeddedConfig) (*embed.Config, error) {
	clientURL, err := listenURL(cfg.ClientURL)
	if err != nil {
		return nil, fmt.Errorf("etcd: client URL: %w", err)
	}
	peerURL, err := listenURL(cfg.PeerURL)
	if err != nil {
		return nil, fmt.Errorf("etcd: peer URL: %w", err)
	}
	ec := embed.NewConfig()
	ec.Name = "wharf"
	ec.Dir = cfg.DataDir
	ec.ListenClientUrls = []url.URL{*clientURL}
	ec.AdvertiseClientUrls = []url.URL{*clientURL}
	ec.ListenPeerUrls = []url.URL{*peerURL}
	ec.AdvertisePeerUrls = []url.URL{*peerURL}
	ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
	ec.TickMs = 50
	ec.ElectionMs = 500
	ec.QuotaBackendBytes = 8 << 30
	ec.AutoCompactionRetention = "0"
	ec.WatchProgressNotifyInterval = 5 * time.Second
	ec.LogLevel = "error"
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(newZapLogger(cfg.Logger, zapcore.ErrorLevel))
	if !cfg.ClientTLS.empty() {
		clientURL.Scheme = "https"
		ec.ListenClientUrls = []url.URL{*clientURL}
		ec.AdvertiseClientUrls = []url.URL{*clientURL}
		ec.ClientTLSInfo = transport.TLSInfo{CertFile: cfg.ClientTLS.CertFile, KeyFile: cfg.ClientTLS.KeyFile,
			TrustedCAFile: cfg.ClientTLS.CAFile, ClientCertAuth: cfg.ClientTLS.CAFile != ""}
	}
	return ec, nil
}

// listenURL parses raw, or picks a free port on 127.0.0.1 when raw is empty.
func listenURL(raw string) (*url.URL, error) {
	if raw != "" {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("parse %q: %w", raw, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("%q: want http://host:port", raw)
		}
		return u, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pick a free port: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return nil, fmt.Errorf("pick a free port: %w", err)
	}
	return &url.URL{Scheme: "http", Host: addr}, nil
}

// Endpoints returns the client URLs to Dial.
func (e *Embedded) Endpoints() []string {
	return append([]string(nil), e.endpoints...)
}

// Close stops the server and waits for it to release its data directory.
// Open client streams (watches) delay it by up to etcd's request timeout
// (6s here): cancel watches and close clients first for a quick stop.
func (e *Embedded) Close() {
	e.etcd.Close()
}
