package app

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wharfhq/wharf/apiserver/internal/pki"
)

// fakeKubelet serves containerLogs and /metrics over TLS, recording the
// client certificate's CN.
func fakeKubelet(t *testing.T) (*httptest.Server, *string, *string) {
	var cn, query string
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) > 0 {
			cn = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		query = r.URL.RawQuery
		switch r.URL.Path {
		case "/containerLogs/default/web/app":
			fmt.Fprint(w, "line 1\nline 2\n")
		case "/metrics":
			fmt.Fprint(w, "kubelet_up 1\n")
		default:
			http.NotFound(w, r)
		}
	}))
	s.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s, &cn, &query
}

// kubeletNode registers node n1 with its kubelet at 127.0.0.1:port and
// binds pods web (container app) and two (containers a and b) to it.
func (e *secureEnv) kubeletNode(admin *http.Client, port string) {
	e.must(admin, "POST", "/api/v1/nodes", `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}`, 201)
	e.must(admin, "PUT", "/api/v1/nodes/n1/status", `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},
		"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}],"daemonEndpoints":{"kubeletEndpoint":{"Port":`+port+`}}}}`, 200)
	e.must(admin, "POST", "/api/v1/namespaces/default/pods", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},
		"spec":{"nodeName":"n1","containers":[{"name":"app","image":"x"}]}}`, 201)
	e.must(admin, "POST", "/api/v1/namespaces/default/pods", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"two"},
		"spec":{"nodeName":"n1","containers":[{"name":"a","image":"x"},{"name":"b","image":"x"}]}}`, 201)
}

func TestPodLogAndNodeProxyReachTheKubelet(t *testing.T) {
	kl, cn, query := fakeKubelet(t)
	_, port, _ := net.SplitHostPort(kl.Listener.Addr().String())
	e := startSecure(t, nil)
	admin := e.client(nil, "admin", "system:masters")
	e.kubeletNode(admin, port)
	var body string
	waitFor(t, func() bool {
		code, b := e.do(admin, "GET", "/api/v1/namespaces/default/pods/web/log?tailLines=5&follow=true", "")
		body = b
		return code == 200
	})
	if body != "line 1\nline 2\n" || *cn != "kube-apiserver-kubelet-client" || !strings.Contains(*query, "tailLines=5") {
		t.Errorf("log %q, kubelet saw CN %q query %q", body, *cn, *query)
	}
	if code, b := e.do(admin, "GET", "/api/v1/namespaces/default/pods/two/log", ""); code != 400 ||
		!strings.Contains(b, "a container name must be specified for pod two, choose one of: [a b]") {
		t.Errorf("ambiguous container: %d %s", code, b)
	}
	if code, _ := e.do(admin, "GET", "/api/v1/namespaces/default/pods/nope/log", ""); code != 404 {
		t.Errorf("missing pod: %d", code)
	}
	if got := e.must(admin, "GET", "/api/v1/nodes/n1/proxy/metrics", "", 200); got != "kubelet_up 1\n" {
		t.Errorf("node proxy: %q", got)
	}
	if kubectl, err := exec.LookPath("kubectl"); err == nil {
		out, err := exec.Command(kubectl, "--kubeconfig", filepath.Join(e.r.CertDir(), pki.AdminKubeconfig), "logs", "web", "--tail=5").CombinedOutput()
		if err != nil || string(out) != "line 1\nline 2\n" {
			t.Errorf("kubectl logs: %v %q", err, out)
		}
	}
	// A user without pods/log permission is refused before the kubelet.
	code, b := e.do(e.client(nil, "eve"), "GET", "/api/v1/namespaces/default/pods/web/log", "")
	if code != 403 || !strings.Contains(b, `cannot get resource \"pods/log\"`) {
		t.Errorf("eve: %d %s", code, b)
	}
}
