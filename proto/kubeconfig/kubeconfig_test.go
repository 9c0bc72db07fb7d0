package kubeconfig

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wharfhq/wharf/proto/client"
)

// upstreamYAML is a kubeconfig as kubectl writes it, with a file reference,
// inline data, a token file and an exec plugin Wharf must keep.
const upstreamYAML = `apiVersion: v1
kind: Config
preferences: {}
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority: certs/ca.crt
    tls-server-name: kubernetes
- name: dev
  cluster:
    server: http://127.0.0.1:8080
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
- name: robot
  user:
    tokenFile: token
- name: sso
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: sso-helper
      args: ["--login"]
contexts:
- name: prod-admin
  context:
    cluster: prod
    user: admin
    namespace: kube-system
- name: dev-robot
  context:
    cluster: dev
    user: robot
- name: sso
  context:
    cluster: dev
    user: sso
current-context: prod-admin
`

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func loadUpstream(t *testing.T) (*Config, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	writeFile(t, path, upstreamYAML)
	writeFile(t, filepath.Join(dir, "certs", "ca.crt"), "CA-PEM")
	writeFile(t, filepath.Join(dir, "token"), "s3cret\n")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return c, path
}

func TestClientConfigCurrentContext(t *testing.T) {
	c, _ := loadUpstream(t)
	cfg, ns, err := c.ClientConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "https://10.0.0.1:6443" || cfg.ServerName != "kubernetes" || ns != "kube-system" {
		t.Errorf("cfg = %+v ns %q", cfg, ns)
	}
	if string(cfg.CAData) != "CA-PEM" || string(cfg.CertData) != "CERT" || string(cfg.KeyData) != "KEY" {
		t.Errorf("ca %q cert %q key %q", cfg.CAData, cfg.CertData, cfg.KeyData)
	}
}

func TestClientConfigNamedContextTokenFile(t *testing.T) {
	c, _ := loadUpstream(t)
	cfg, ns, err := c.ClientConfig("dev-robot")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "http://127.0.0.1:8080" || !cfg.Insecure || cfg.BearerToken != "s3cret" || ns != "default" {
		t.Errorf("cfg = %+v ns %q", cfg, ns)
	}
}

func TestClientConfigErrors(t *testing.T) {
	c, path := loadUpstream(t)
	_, _, err := c.ClientConfig("nope")
	if want := `context "nope" not found in kubeconfig ` + path; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	if _, _, err := c.ClientConfig("sso"); err == nil || !strings.Contains(err.Error(), "exec") {
		t.Errorf("exec plugin: err = %v", err)
	}
	c.SetContext("dangling", Context{Cluster: "gone", AuthInfo: "admin"})
	if _, _, err := c.ClientConfig("dangling"); err == nil || !strings.Contains(err.Error(), `cluster "gone"`) {
		t.Errorf("missing cluster: err = %v", err)
	}
	os.Remove(filepath.Join(filepath.Dir(path), "certs", "ca.crt"))
	if _, _, err := c.ClientConfig("prod-admin"); err == nil || !strings.Contains(err.Error(), "certificate-authority") {
		t.Errorf("missing CA file: err = %v", err)
	}
	empty := New(filepath.Join(t.TempDir(), "none"))
	if _, _, err := empty.ClientConfig(""); err == nil || !strings.Contains(err.Error(), "current-context") {
		t.Errorf("empty config: err = %v", err)
	}
}

func TestLoadRejectsGarbage(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"bad": "clusters: [", "kind": "kind: Pod\n", "type": "clusters: 5\n"} {
		p := filepath.Join(dir, name)
		writeFile(t, p, data)
		if _, err := Load(p); err == nil {
			t.Errorf("%s: Load succeeded", name)
		}
	}
	p := filepath.Join(dir, "empty")
	writeFile(t, p, "")
	if c, err := Load(p); err != nil || len(c.Contexts) != 0 {
		t.Errorf("empty file: %v", err)
	}
}

func TestSaveRoundTripKeepsPluginsAndMode(t *testing.T) {
	c, _ := loadUpstream(t)
	out := filepath.Join(t.TempDir(), "sub", "config")
	if err := c.Save(out); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	data, _ := os.ReadFile(out)
	for _, want := range []string{"current-context: prod-admin", "command: sso-helper", "client-certificate-data: " + base64.StdEncoding.EncodeToString([]byte("CERT")), "tokenFile: token"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("saved file lacks %q:\n%s", want, data)
		}
	}
	again, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Contexts) != 3 || len(again.AuthInfos) != 3 || again.Path() != out {
		t.Errorf("reloaded = %+v", again)
	}
	u, _ := again.User("sso")
	if !strings.Contains(string(u.Exec), "sso-helper") {
		t.Errorf("exec lost: %s", u.Exec)
	}
}

func TestLoadDefaultOrder(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("KUBECONFIG", "")
	wharf := filepath.Join(home, ".wharf", "config")
	kube := filepath.Join(home, ".kube", "config")

	c, path, err := LoadDefault("")
	if err != nil || path != wharf || len(c.Contexts) != 0 {
		t.Fatalf("nothing exists: %v %q", err, path)
	}
	writeFile(t, kube, "current-context: kube\n")
	if c, path, _ = LoadDefault(""); path != kube || c.CurrentContext != "kube" {
		t.Errorf("~/.kube/config: got %q %q", path, c.CurrentContext)
	}
	writeFile(t, wharf, "current-context: wharf\n")
	if c, path, _ = LoadDefault(""); path != wharf || c.CurrentContext != "wharf" {
		t.Errorf("~/.wharf/config: got %q %q", path, c.CurrentContext)
	}
	env1, env2 := filepath.Join(home, "missing"), filepath.Join(home, "env")
	writeFile(t, env2, "current-context: env\n")
	t.Setenv("KUBECONFIG", env1+string(os.PathListSeparator)+env2)
	if c, path, _ = LoadDefault(""); path != env2 || c.CurrentContext != "env" {
		t.Errorf("$KUBECONFIG: got %q %q", path, c.CurrentContext)
	}
	if c, path, _ = LoadDefault(kube); path != kube || c.CurrentContext != "kube" {
		t.Errorf("explicit: got %q %q", path, c.CurrentContext)
	}
	if _, _, err := LoadDefault(filepath.Join(home, "nope")); err == nil {
		t.Error("missing explicit path accepted")
	}
}

func TestEditHelpers(t *testing.T) {
	c := New("")
	c.SetCluster("a", Cluster{Server: "https://a"})
	c.SetCluster("a", Cluster{Server: "https://a2"})
	c.SetUser("u", AuthInfo{Token: "t"})
	c.SetContext("ctx", Context{Cluster: "a", AuthInfo: "u"})
	if err := c.UseContext("missing"); err == nil {
		t.Error("UseContext of a missing context succeeded")
	}
	if err := c.UseContext("ctx"); err != nil {
		t.Fatal(err)
	}
	if len(c.Clusters) != 1 {
		t.Errorf("SetCluster duplicated: %+v", c.Clusters)
	}
	ctx, _ := c.Context("ctx")
	ctx.Namespace = "team"
	cfg, ns, err := c.ClientConfig("")
	if err != nil || cfg.Host != "https://a2" || cfg.BearerToken != "t" || ns != "team" {
		t.Errorf("cfg %+v ns %q err %v", cfg, ns, err)
	}
	if !c.DeleteContext("ctx") || c.CurrentContext != "" || c.DeleteContext("ctx") {
		t.Error("DeleteContext")
	}
	if !c.DeleteCluster("a") || !c.DeleteUser("u") {
		t.Error("DeleteCluster/DeleteUser")
	}
}

func TestFromClientConfigRoundTrip(t *testing.T) {
	in := &client.Config{Host: "https://127.0.0.1:6443", CAData: []byte("ca"), CertData: []byte("cert"), KeyData: []byte("key")}
	path := filepath.Join(t.TempDir(), "admin.conf")
	if err := FromClientConfig("wharf", in, "").Save(path); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	out, ns, err := c.ClientConfig("")
	if err != nil || out.Host != in.Host || string(out.CAData) != "ca" || string(out.KeyData) != "key" || ns != "default" {
		t.Errorf("out %+v ns %q err %v", out, ns, err)
	}
}
