package etcd_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wharfhq/wharf/apiserver/internal/etcd"
	"github.com/wharfhq/wharf/apiserver/internal/etcd/etcdtest"
)

func TestDialOverTLSWithClientCertificate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e, clientFiles := etcdtest.StartTLS(t)
	if got := e.Endpoints()[0]; !strings.HasPrefix(got, "https://") {
		t.Fatalf("endpoint %q is not https", got)
	}
	c, err := etcd.Dial(ctx, e.Endpoints(), clientFiles)
	if err != nil {
		t.Fatalf("Dial with client certificate: %v", err)
	}
	defer c.Close()
	if _, err := c.Put(ctx, "/registry/x", "y"); err != nil {
		t.Fatalf("put over TLS: %v", err)
	}

	short, cancelShort := context.WithTimeout(ctx, 3*time.Second)
	defer cancelShort()
	if c, err := etcd.Dial(short, e.Endpoints(), etcd.TLSFiles{CAFile: clientFiles.CAFile}); err == nil {
		c.Close()
		t.Fatal("Dial without a client certificate succeeded; etcd must require one")
	}
	if c, err := etcd.Dial(short, e.Endpoints()); err == nil {
		c.Close()
		t.Fatal("Dial without TLS files succeeded against an https etcd that requires client certificates")
	}
}

func TestDialRejectsCertWithoutKey(t *testing.T) {
	_, err := etcd.Dial(context.Background(), []string{"https://127.0.0.1:1"}, etcd.TLSFiles{CertFile: "a.crt"})
	if err == nil {
		t.Fatal("want an error for a certificate without a key")
	}
}
