// Package etcdtest starts embedded etcd servers for tests: plain, or
// https with client-certificate authentication and freshly issued
// certificates.
package etcdtest

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wharfhq/wharf/apiserver/internal/etcd"
	"github.com/wharfhq/wharf/apiserver/internal/pki"
)

// StartTLS starts an embedded etcd serving https that requires client
// certificates, stopped when t ends. It returns the server and the files
// a client needs (CA, client certificate and key).
func StartTLS(t testing.TB) (*etcd.Embedded, etcd.TLSFiles) {
	t.Helper()
	serverFiles, clientFiles := writeTLSFiles(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e, err := etcd.StartEmbedded(ctx, etcd.EmbeddedConfig{DataDir: t.TempDir(), ClientTLS: serverFiles, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("etcdtest: start etcd with TLS: %v", err)
	}
	t.Cleanup(e.Close)
	return e, clientFiles
}

// writeTLSFiles issues a CA, a server certificate for 127.0.0.1 and a
// client certificate into dir.
func writeTLSFiles(t testing.TB, dir string) (server, client etcd.TLSFiles) {
	t.Helper()
	ca, err := pki.NewCA("etcd-ca")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caFile := write("ca.crt", ca.CertPEM)
	issue := func(name string, req pki.CertRequest) (string, string) {
		c, k, err := ca.Issue(req)
		if err != nil {
			t.Fatal(err)
		}
		return write(name+".crt", c), write(name+".key", k)
	}
	sc, sk := issue("server", pki.CertRequest{CommonName: "etcd", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, Server: true})
	cc, ck := issue("client", pki.CertRequest{CommonName: "apiserver-etcd-client", Client: true})
	return etcd.TLSFiles{CAFile: caFile, CertFile: sc, KeyFile: sk}, etcd.TLSFiles{CAFile: caFile, CertFile: cc, KeyFile: ck}
}
