package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults applied by New for zero Config fields.
const (
	DefaultQPS        = 50
	DefaultBurst      = 100
	DefaultTimeout    = 30 * time.Second
	DefaultMaxRetries = 5
	DefaultUserAgent  = "wharf-client/v1"
)

// Config says how to reach and authenticate to an apiserver.
type Config struct {
	// Host is the base URL: "https://10.0.0.1:6443" or "http://127.0.0.1:8080".
	// A path prefix ("https://lb/k8s") is kept.
	Host        string
	BearerToken string
	// CAData is the PEM bundle that verifies the server; empty means the
	// system roots. CertData and KeyData are a PEM client certificate and key.
	CAData, CertData, KeyData []byte
	// Insecure skips server certificate verification.
	Insecure bool
	// ServerName overrides the name checked in the server certificate.
	ServerName string
	UserAgent  string
	// QPS and Burst configure a client-side token bucket. 0 means the
	// defaults (50/100); a negative QPS disables rate limiting.
	QPS   float32
	Burst int
	// Timeout bounds each non-watch request (all retries included);
	// 0 means 30s, negative means no timeout.
	Timeout time.Duration
	// MaxRetries is the number of retries after the first attempt; 0 means
	// 5, negative means none.
	MaxRetries int
}

// withDefaults returns a copy of cfg with zero fields defaulted.
func (cfg *Config) withDefaults() *Config {
	c := *cfg
	if c.QPS == 0 {
		c.QPS = DefaultQPS
	}
	if c.Burst <= 0 {
		c.Burst = DefaultBurst
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	return &c
}

// parseHost validates Host and returns it without a trailing slash.
func parseHost(host string) (*url.URL, error) {
	if host == "" {
		return nil, errors.New("client: Config.Host is empty")
	}
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("client: invalid host %q: %w", host, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("client: invalid host %q: scheme must be http or https", host)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: invalid host %q: no host name", host)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// tlsConfig builds the TLS settings from CA, certificate and key data.
func (cfg *Config) tlsConfig() (*tls.Config, error) {
	tc := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: cfg.Insecure, //nolint:gosec // explicit user choice
		ServerName:         cfg.ServerName,
	}
	if len(cfg.CAData) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cfg.CAData) {
			return nil, errors.New("client: CAData holds no PEM certificate")
		}
		tc.RootCAs = pool
	}
	if len(cfg.CertData) > 0 || len(cfg.KeyData) > 0 {
		cert, err := tls.X509KeyPair(cfg.CertData, cfg.KeyData)
		if err != nil {
			return nil, fmt.Errorf("client: loading client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// newTransport returns the transport every request of one Client shares:
// keep-alive connections, HTTP/2 with health pings (so a dead connection
// under a long watch is noticed), and enough idle connections per host for
// many concurrent callers over plain HTTP/1.1.
func newTransport(tc *tls.Config) *http.Transport {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tc,
		TLSHandshakeTimeout:   10 * time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		HTTP2: &http.HTTP2Config{
			SendPingTimeout: 30 * time.Second,
			PingTimeout:     15 * time.Second,
		},
	}
}
