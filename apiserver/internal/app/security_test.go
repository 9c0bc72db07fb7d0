package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
	"github.com/wharfhq/wharf/apiserver/internal/pki"
)

// secureEnv is an apiserver with TLS and RBAC and a way to make clients
// for any identity.
type secureEnv struct {
	t    testing.TB
	r    *Running
	ca   *pki.CA
	pool *x509.CertPool
}

func startSecure(t *testing.T, mutate func(*Options)) *secureEnv {
	t.Helper()
	o := Options{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}
	if mutate != nil {
		mutate(&o)
	}
	r, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	ca, err := pki.LoadCA(filepath.Join(r.CertDir(), pki.CACert), filepath.Join(r.CertDir(), pki.CAKey))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return &secureEnv{t: t, r: r, ca: ca, pool: pool}
}

// client returns a client with a certificate for user in groups from ca
// (the cluster CA if nil), or no certificate if user is "".
func (e *secureEnv) client(ca *pki.CA, user string, groups ...string) *http.Client {
	e.t.Helper()
	tc := &tls.Config{RootCAs: e.pool}
	if user != "" {
		if ca == nil {
			ca = e.ca
		}
		certPEM, keyPEM, err := ca.Issue(pki.CertRequest{CommonName: user, Organization: groups, Client: true})
		if err != nil {
			e.t.Fatal(err)
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			e.t.Fatal(err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 30 * time.Second}
}

// bearerClient sends token as a bearer token.
func (e *secureEnv) bearerClient(token string) *http.Client {
	c := e.client(nil, "")
	c.Transport = bearerRT{token: token, next: c.Transport}
	return c
}

type bearerRT struct {
	token string
	next  http.RoundTripper
}

func (b bearerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

func (e *secureEnv) do(c *http.Client, method, path, body string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.r.URL()+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *secureEnv) must(c *http.Client, method, path, body string, want int) string {
	e.t.Helper()
	code, b := e.do(c, method, path, body)
	if code != want {
		e.t.Fatalf("%s %s: %d %s, want %d", method, path, code, b, want)
	}
	return b
}

func statusMessage(t *testing.T, body string) metav1.Status {
	t.Helper()
	var st metav1.Status
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.Kind != "Status" {
		t.Fatalf("not a Status: %s", body)
	}
	return st
}

const podJSON = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`

func TestTLSAuthenticationAndRBAC(t *testing.T) {
	e := startSecure(t, nil)
	if !strings.HasPrefix(e.r.URL(), "https://") {
		t.Fatalf("URL %s", e.r.URL())
	}
	// No credentials, and a certificate from another CA: 401.
	other, err := pki.NewCA("intruder")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*http.Client{"anonymous": e.client(nil, ""), "wrong CA": e.client(other, "admin", "system:masters"),
		"bad token": e.bearerClient("nope")} {
		code, body := e.do(c, "GET", "/api/v1/pods", "")
		if st := statusMessage(t, body); code != 401 || st.Reason != metav1.StatusReasonUnauthorized {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
	admin := e.client(nil, "admin", "system:masters")
	e.must(admin, "POST", "/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}}`, 201)
	e.must(admin, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"alice-view"},
		 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
		 "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"alice"}]}`, 201)
	alice := e.client(nil, "alice")
	waitFor(t, func() bool { code, _ := e.do(alice, "GET", "/api/v1/namespaces/team/pods", ""); return code == 200 })
	code, body := e.do(alice, "POST", "/api/v1/namespaces/team/pods", podJSON)
	if st := statusMessage(t, body); code != 403 || st.Message != `pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "team"` {
		t.Errorf("create: %d %s", code, body)
	}
	code, body = e.do(alice, "GET", "/api/v1/namespaces/default/pods", "")
	if st := statusMessage(t, body); code != 403 || st.Reason != metav1.StatusReasonForbidden ||
		st.Message != `pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"` {
		t.Errorf("other namespace: %d %s", code, body)
	}
	code, body = e.do(alice, "GET", "/api/v1/namespaces/team/secrets/x", "")
	if code != 403 || !strings.Contains(body, `secrets \"x\" is forbidden`) {
		t.Errorf("secret: %d %s", code, body)
	}
	e.must(alice, "GET", "/version", "", 200) // system:public-info-viewer
	e.must(alice, "GET", "/apis", "", 200)    // system:discovery
}

func TestNodeIdentityOnlyTouchesItsOwnNode(t *testing.T) {
	e := startSecure(t, nil)
	admin := e.client(nil, "admin", "system:masters")
	n1 := e.client(nil, "system:node:n1", "system:nodes")
	node := func(n string) string { return `{"apiVersion":"v1","kind":"Node","metadata":{"name":"` + n + `"}}` }
	e.must(admin, "POST", "/api/v1/nodes", node("n2"), 201)
	e.must(n1, "POST", "/api/v1/nodes", node("n1"), 201)
	patch := `{"metadata":{"labels":{"x":"y"}}}`
	patchReq := func(c *http.Client, path string) (int, string) {
		req, _ := http.NewRequest("PATCH", e.r.URL()+path, strings.NewReader(patch))
		req.Header.Set("Content-Type", "application/merge-patch+json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, b := patchReq(n1, "/api/v1/nodes/n1"); code != 200 {
		t.Errorf("own node: %d %s", code, b)
	}
	if code, b := patchReq(n1, "/api/v1/nodes/n2"); code != 403 {
		t.Errorf("other node: %d %s", code, b)
	}
	if code, b := patchReq(n1, "/api/v1/nodes/n2/status"); code != 403 {
		t.Errorf("other node status: %d %s", code, b)
	}
	if code, _ := e.do(n1, "DELETE", "/api/v1/nodes/n2", ""); code != 403 {
		t.Errorf("delete other node: %d", code)
	}
	if code, _ := e.do(n1, "GET", "/api/v1/nodes/n2", ""); code != 200 {
		t.Errorf("read other node: %d", code)
	}
}

func TestServiceAccountAndStaticTokens(t *testing.T) {
	tokens := filepath.Join(t.TempDir(), "tokens.csv")
	if err := os.WriteFile(tokens, []byte("s3cret,carol,uid-1,\"devs,ops\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := startSecure(t, func(o *Options) { o.TokenAuthFile = tokens })
	carol := e.bearerClient("s3cret")
	code, body := e.do(carol, "GET", "/api/v1/namespaces/default/pods", "")
	if code != 403 || !strings.Contains(body, `User \"carol\"`) {
		t.Errorf("static token: %d %s", code, body)
	}
	admin := e.client(nil, "admin", "system:masters")
	e.must(admin, "POST", "/api/v1/namespaces/default/serviceaccounts", `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"robot"}}`, 201)
	e.must(admin, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"robot"},
		 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
		 "subjects":[{"kind":"ServiceAccount","name":"robot"}]}`, 201)
	var tr struct {
		Status struct{ Token string } `json:"status"`
	}
	waitFor(t, func() bool {
		code, b := e.do(admin, "POST", "/api/v1/namespaces/default/serviceaccounts/robot/token", `{"spec":{}}`)
		return code == 201 && json.Unmarshal([]byte(b), &tr) == nil
	})
	robot := e.bearerClient(tr.Status.Token)
	waitFor(t, func() bool { code, _ := e.do(robot, "GET", "/api/v1/namespaces/default/pods", ""); return code == 200 })
	if code, body := e.do(robot, "GET", "/api/v1/namespaces/kube-system/pods", ""); code != 403 ||
		!strings.Contains(body, `system:serviceaccount:default:robot`) {
		t.Errorf("robot elsewhere: %d %s", code, body)
	}
	// An expired token and a tampered one get 401.
	key, _ := pki.ReadKey(filepath.Join(e.r.CertDir(), pki.SAKey))
	old := &authn.ServiceAccounts{Key: key, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}
	expired, _, _ := old.Issue("default", "robot", "", time.Hour)
	for name, tok := range map[string]string{"expired": expired, "tampered": tr.Status.Token[:len(tr.Status.Token)-4] + "AAAA"} {
		if code, body := e.do(e.bearerClient(tok), "GET", "/api/v1/namespaces/default/pods", ""); code != 401 {
			t.Errorf("%s token: %d %s", name, code, body)
		}
	}
	// Deleting the ServiceAccount invalidates its tokens.
	e.must(admin, "DELETE", "/api/v1/namespaces/default/serviceaccounts/robot", "", 200)
	waitFor(t, func() bool { code, _ := e.do(robot, "GET", "/api/v1/namespaces/default/pods", ""); return code == 401 })
}

// The generated admin kubeconfig works with upstream kubectl over TLS.
func TestKubectlWithAdminKubeconfig(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed")
	}
	e := startSecure(t, nil)
	kc := filepath.Join(e.r.CertDir(), pki.AdminKubeconfig)
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(kubectl, append([]string{"--kubeconfig", kc}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := run("get", "svc", "kubernetes", "-o", "jsonpath={.spec.clusterIP}"); out != "10.96.0.1" {
		t.Errorf("kubernetes service IP %q", out)
	}
	run("create", "deployment", "web", "--image=busybox")
	run("scale", "deployment", "web", "--replicas=3")
	if out := run("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"); out != "3" {
		t.Errorf("replicas after scale: %q", out)
	}
	run("create", "namespace", "kc")
	if out := run("get", "namespaces"); !strings.Contains(out, "kc") {
		t.Errorf("get namespaces: %s", out)
	}
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10s")
}

func poolOf(ca *pki.CA) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}
