package app

import (
	"net/http"
	"testing"

	"github.com/wharfhq/wharf/apiserver/internal/etcd/etcdtest"
)

// --etcd-servers with --etcd-cafile/--etcd-certfile/--etcd-keyfile: the
// apiserver stores objects in an external etcd that requires client
// certificates.
func TestExternalEtcdOverTLS(t *testing.T) {
	e, files := etcdtest.StartTLS(t)
	r := startPlain(t, func(o *Options) {
		o.EtcdServers = e.Endpoints()
		o.EtcdTLS = files
	})
	code, body := do(t, "POST", r.URL()+"/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"over-tls"},"data":{"a":"b"}}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := do(t, "GET", r.URL()+"/api/v1/namespaces/default/configmaps/over-tls", ""); code != http.StatusOK {
		t.Fatalf("get: %d %s", code, body)
	}
}
