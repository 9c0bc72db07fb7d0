package app

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	gwebsocket "github.com/gorilla/websocket"
)

// fakeStreamKubelet upgrades every request to a websocket (HTTP/2 on
// offer, as the real kubelet's server does), records the path and query
// it saw and echoes one message back.
func fakeStreamKubelet(t *testing.T) (port string, seen func() string) {
	var mu sync.Mutex
	var last string
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		last = r.URL.Path + "?" + r.URL.RawQuery
		mu.Unlock()
		up := gwebsocket.Upgrader{Subprotocols: []string{"v5.channel.k8s.io"}}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		if _, m, err := ws.ReadMessage(); err == nil {
			_ = ws.WriteMessage(gwebsocket.BinaryMessage, append([]byte("kubelet:"), m...))
		}
	}))
	s.EnableHTTP2 = true
	s.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	s.StartTLS()
	t.Cleanup(s.Close)
	_, port, _ = net.SplitHostPort(s.Listener.Addr().String())
	return port, func() string { mu.Lock(); defer mu.Unlock(); return last }
}

// dialWS opens a websocket to the apiserver with c's certificate.
func (e *secureEnv) dialWS(c *http.Client, path string) (*gwebsocket.Conn, *http.Response, error) {
	d := gwebsocket.Dialer{TLSClientConfig: c.Transport.(*http.Transport).TLSClientConfig, Subprotocols: []string{"v5.channel.k8s.io"}}
	return d.Dial("wss"+strings.TrimPrefix(e.r.URL(), "https")+path, nil)
}

func TestPodExecAndPortForwardReachTheKubelet(t *testing.T) {
	port, seen := fakeStreamKubelet(t)
	e := startSecure(t, nil)
	admin := e.client(nil, "admin", "system:masters")
	e.kubeletNode(admin, port)
	e.must(admin, "POST", "/api/v1/namespaces/default/pods", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pending"},
		"spec":{"containers":[{"name":"a","image":"x"}]}}`, 201)

	var ws *gwebsocket.Conn
	waitFor(t, func() bool {
		var err error
		ws, _, err = e.dialWS(admin, "/api/v1/namespaces/default/pods/web/exec?command=cat&command=-n&stdin=true&stdout=true&stderr=false")
		return err == nil
	})
	if err := ws.WriteMessage(gwebsocket.BinaryMessage, []byte("\x00hi")); err != nil {
		t.Fatal(err)
	}
	_, m, err := ws.ReadMessage()
	ws.Close()
	if err != nil || string(m) != "kubelet:\x00hi" {
		t.Errorf("echo through the apiserver = %q, %v", m, err)
	}
	if got := seen(); got != "/exec/default/web/app?command=cat&command=-n&input=1&output=1" {
		t.Errorf("kubelet saw %q", got)
	}
	ws, _, err = e.dialWS(admin, "/api/v1/namespaces/default/pods/web/portforward?ports=8080")
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	if got := seen(); got != "/portForward/default/web?port=8080" {
		t.Errorf("kubelet saw %q", got)
	}

	for _, tc := range []struct {
		path string
		code int
		msg  string
	}{
		{"/api/v1/namespaces/default/pods/nope/exec?command=ls&stdout=true", 404, `pods \"nope\" not found`},
		{"/api/v1/namespaces/default/pods/web/exec?stdout=true", 400, "at least one command"},
		{"/api/v1/namespaces/default/pods/web/exec?command=ls", 400, "at least 1 of stdin, stdout, stderr"},
		{"/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=maybe", 400, "invalid value"},
		{"/api/v1/namespaces/default/pods/two/exec?command=ls&stdout=true", 400, "a container name must be specified"},
		{"/api/v1/namespaces/default/pods/web/attach?container=zz&stdout=true", 400, "container zz is not valid"},
		{"/api/v1/namespaces/default/pods/pending/exec?command=ls&stdout=true", 400, "does not have a host assigned"},
		{"/api/v1/namespaces/default/pods/web/portforward?ports=0", 400, "invalid port"},
	} {
		if code, b := e.do(admin, "POST", tc.path, ""); code != tc.code || !strings.Contains(b, tc.msg) {
			t.Errorf("POST %s: %d %s, want %d with %q", tc.path, code, b, tc.code, tc.msg)
		}
	}
}

// TestPodExecNeedsCreate: a websocket exec is a GET, but upstream (v1.35+)
// also requires create on pods/exec; get alone is refused.
func TestPodExecNeedsCreate(t *testing.T) {
	e := startSecure(t, nil)
	admin := e.client(nil, "admin", "system:masters")
	e.must(admin, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role",
		"metadata":{"name":"peek"},"rules":[{"apiGroups":[""],"resources":["pods","pods/exec"],"verbs":["get"]}]}`, 201)
	e.must(admin, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding",
		"metadata":{"name":"peek"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"peek"},"subjects":[{"kind":"User","name":"eve"}]}`, 201)
	eve := e.client(nil, "eve")
	path := "/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true"
	waitFor(t, func() bool {
		code, _ := e.do(eve, "GET", "/api/v1/namespaces/default/pods/web", "")
		return code == 404 // the role is in force: get pods allowed, the pod absent
	})
	_, resp, err := e.dialWS(eve, path)
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("websocket exec with only get pods/exec: %v %v, want 403", err, resp)
	}
	if code, b := e.do(eve, "POST", path, ""); code != 403 || !strings.Contains(b, `cannot create resource \"pods/exec\"`) {
		t.Errorf("POST exec: %d %s", code, b)
	}
}
