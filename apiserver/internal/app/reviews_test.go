package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"

	"github.com/wharfhq/wharf/apiserver/internal/pki"
)

// reviewEnv is a secure apiserver with a static-token user carol, a
// ServiceAccount default/robot bound to the view ClusterRole and to a
// Role that may create configmaps, and robot's token.
type reviewEnv struct {
	*secureEnv
	admin, robot *http.Client
	robotToken   string
}

func startReviewEnv(t *testing.T) *reviewEnv {
	t.Helper()
	tokens := filepath.Join(t.TempDir(), "tokens.csv")
	if err := os.WriteFile(tokens, []byte("s3cret,carol,uid-1,\"devs,ops\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := &reviewEnv{secureEnv: startSecure(t, func(o *Options) { o.TokenAuthFile = tokens })}
	e.admin = e.client(nil, "admin", "system:masters")
	e.must(e.admin, "POST", "/api/v1/namespaces/default/serviceaccounts", `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"robot"}}`, 201)
	e.must(e.admin, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"cm-writer"},
		 "rules":[{"apiGroups":[""],"resources":["configmaps"],"resourceNames":["settings"],"verbs":["create","update"]}]}`, 201)
	for _, role := range []string{"Role/cm-writer", "ClusterRole/view"} {
		kind, name, _ := strings.Cut(role, "/")
		e.must(e.admin, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
			`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"robot-`+name+`"},
			 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"`+kind+`","name":"`+name+`"},
			 "subjects":[{"kind":"ServiceAccount","name":"robot"}]}`, 201)
	}
	var tr authnv1.TokenRequest
	waitFor(t, func() bool {
		code, b := e.do(e.admin, "POST", "/api/v1/namespaces/default/serviceaccounts/robot/token", `{"spec":{}}`)
		return code == 201 && json.Unmarshal([]byte(b), &tr) == nil
	})
	e.robotToken = tr.Status.Token
	e.robot = e.bearerClient(e.robotToken)
	waitFor(t, func() bool {
		code, _ := e.do(e.robot, "GET", "/api/v1/namespaces/default/pods", "")
		return code == 200
	})
	return e
}

// post creates a review and decodes the 201 answer into out.
func (e *reviewEnv) post(c *http.Client, path string, in, out any) {
	e.t.Helper()
	b, _ := json.Marshal(in)
	if err := json.Unmarshal([]byte(e.must(c, "POST", path, string(b), 201)), out); err != nil {
		e.t.Fatal(err)
	}
}

func TestSelfSubjectReviewWhoAmI(t *testing.T) {
	e := startReviewEnv(t)
	cases := map[string]struct {
		c    *http.Client
		want authnv1.UserInfo
	}{
		"x509":   {e.client(nil, "alice", "devs"), authnv1.UserInfo{Username: "alice", Groups: []string{"devs", "system:authenticated"}}},
		"token":  {e.bearerClient("s3cret"), authnv1.UserInfo{Username: "carol", UID: "uid-1", Groups: []string{"devs", "ops", "system:authenticated"}}},
		"sa jwt": {e.robot, authnv1.UserInfo{Username: "system:serviceaccount:default:robot", Groups: []string{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}}},
	}
	for name, tc := range cases {
		var rev authnv1.SelfSubjectReview
		e.post(tc.c, "/apis/authentication.k8s.io/v1/selfsubjectreviews", authnv1.SelfSubjectReview{}, &rev)
		got := rev.Status.UserInfo
		if name == "sa jwt" { // SA uids are random
			if got.UID == "" {
				t.Errorf("%s: no uid", name)
			}
			got.UID = ""
		}
		if rev.Kind != "SelfSubjectReview" || rev.APIVersion != "authentication.k8s.io/v1" ||
			got.Username != tc.want.Username || got.UID != tc.want.UID || !slices.Equal(got.Groups, tc.want.Groups) {
			t.Errorf("%s: %+v", name, rev)
		}
	}
	// Only POST: a GET is refused (403 list for a non-admin, 405 for the admin).
	if code, body := e.do(e.admin, "GET", "/apis/authentication.k8s.io/v1/selfsubjectreviews", ""); code != 405 ||
		statusMessage(t, body).Reason != metav1.StatusReasonMethodNotAllowed {
		t.Errorf("GET: %d %s", code, body)
	}
}

func ssar(verb, resource, name string) authzv1.SelfSubjectAccessReview {
	return authzv1.SelfSubjectAccessReview{Spec: authzv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authzv1.ResourceAttributes{Namespace: "default", Verb: verb, Resource: resource, Name: name}}}
}

func TestSelfSubjectAccessReviewCanI(t *testing.T) {
	e := startReviewEnv(t)
	cases := []struct {
		who   string
		c     *http.Client
		rev   authzv1.SelfSubjectAccessReview
		allow bool
	}{
		{"admin", e.admin, ssar("delete", "nodes", ""), true},
		{"robot", e.robot, ssar("list", "pods", ""), true},
		{"robot", e.robot, ssar("create", "pods", ""), false},
		{"robot", e.robot, ssar("update", "configmaps", "settings"), true},
		{"robot", e.robot, ssar("update", "configmaps", "other"), false},
		{"robot", e.robot, authzv1.SelfSubjectAccessReview{Spec: authzv1.SelfSubjectAccessReviewSpec{
			NonResourceAttributes: &authzv1.NonResourceAttributes{Verb: "get", Path: "/healthz"}}}, true},
		{"robot", e.robot, authzv1.SelfSubjectAccessReview{Spec: authzv1.SelfSubjectAccessReviewSpec{
			NonResourceAttributes: &authzv1.NonResourceAttributes{Verb: "get", Path: "/metrics"}}}, false},
	}
	for _, tc := range cases {
		var got authzv1.SelfSubjectAccessReview
		e.post(tc.c, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", tc.rev, &got)
		if got.Status.Allowed != tc.allow || got.Status.Denied {
			t.Errorf("%s %+v %+v: %+v", tc.who, tc.rev.Spec.ResourceAttributes, tc.rev.Spec.NonResourceAttributes, got.Status)
		}
	}
	// A node writing another node's object is denied outright.
	node := e.client(nil, "system:node:n1", "system:nodes")
	var got authzv1.SelfSubjectAccessReview
	rev := ssar("update", "nodes", "n2")
	rev.Spec.ResourceAttributes.Namespace = ""
	e.post(node, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", rev, &got)
	if got.Status.Allowed || !got.Status.Denied || !strings.Contains(got.Status.Reason, "n2") {
		t.Errorf("node: %+v", got.Status)
	}
	// Neither or both attribute kinds: 422.
	for _, body := range []string{`{"spec":{}}`, `{"spec":{"resourceAttributes":{"verb":"get"},"nonResourceAttributes":{"verb":"get","path":"/"}}}`} {
		code, b := e.do(e.robot, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body)
		if st := statusMessage(t, b); code != 422 || st.Reason != metav1.StatusReasonInvalid {
			t.Errorf("%s: %d %s", body, code, b)
		}
	}
	if code, b := e.do(e.robot, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", `{"spec":`); code != 400 {
		t.Errorf("bad JSON: %d %s", code, b)
	}
}

// client-go posts built-in types as protobuf.
func TestSelfSubjectAccessReviewProtobuf(t *testing.T) {
	e := startReviewEnv(t)
	scheme := runtime.NewScheme()
	if err := authzv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	rev := ssar("get", "pods", "")
	rev.APIVersion, rev.Kind = "authorization.k8s.io/v1", "SelfSubjectAccessReview"
	var buf bytes.Buffer
	if err := protobuf.NewSerializer(scheme, scheme).Encode(&rev, &buf); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", e.r.URL()+"/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", &buf)
	req.Header.Set("Content-Type", "application/vnd.kubernetes.protobuf")
	resp, err := e.robot.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got authzv1.SelfSubjectAccessReview
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 201 || !got.Status.Allowed ||
		got.Spec.ResourceAttributes == nil || got.Spec.ResourceAttributes.Resource != "pods" {
		t.Errorf("%d %v %+v", resp.StatusCode, err, got)
	}
}

func TestSubjectAccessReviews(t *testing.T) {
	e := startReviewEnv(t)
	robotUser := "system:serviceaccount:default:robot"
	sar := func(verb, res string, groups ...string) authzv1.SubjectAccessReview {
		return authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{User: robotUser, Groups: groups,
			ResourceAttributes: &authzv1.ResourceAttributes{Namespace: "default", Verb: verb, Resource: res}}}
	}
	var got authzv1.SubjectAccessReview
	e.post(e.admin, "/apis/authorization.k8s.io/v1/subjectaccessreviews", sar("list", "pods"), &got)
	if !got.Status.Allowed {
		t.Errorf("robot list pods: %+v", got.Status)
	}
	e.post(e.admin, "/apis/authorization.k8s.io/v1/subjectaccessreviews", sar("delete", "pods"), &got)
	if got.Status.Allowed {
		t.Errorf("robot delete pods: %+v", got.Status)
	}
	e.post(e.admin, "/apis/authorization.k8s.io/v1/subjectaccessreviews", sar("delete", "pods", "system:masters"), &got)
	if !got.Status.Allowed {
		t.Errorf("as system:masters: %+v", got.Status)
	}
	// The robot may not ask about others.
	b, _ := json.Marshal(sar("list", "pods"))
	if code, body := e.do(e.robot, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", string(b)); code != 403 {
		t.Errorf("robot SAR: %d %s", code, body)
	}
	if code, body := e.do(e.admin, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
		`{"spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}}`); code != 422 || !strings.Contains(body, "at least one of user or group") {
		t.Errorf("no user: %d %s", code, body)
	}
	// Local reviews: the namespace of the URL and the attributes must agree.
	local := authzv1.LocalSubjectAccessReview{Spec: sar("get", "configmaps").Spec}
	var lgot authzv1.LocalSubjectAccessReview
	e.post(e.admin, "/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews", local, &lgot)
	if !lgot.Status.Allowed || lgot.Namespace != "default" {
		t.Errorf("local: %+v", lgot)
	}
	b, _ = json.Marshal(local)
	if code, body := e.do(e.admin, "POST", "/apis/authorization.k8s.io/v1/namespaces/kube-system/localsubjectaccessreviews", string(b)); code != 422 {
		t.Errorf("local in other namespace: %d %s", code, body)
	}
}

func TestSelfSubjectRulesReview(t *testing.T) {
	e := startReviewEnv(t)
	var got authzv1.SelfSubjectRulesReview
	in := authzv1.SelfSubjectRulesReview{Spec: authzv1.SelfSubjectRulesReviewSpec{Namespace: "default"}}
	e.post(e.robot, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", in, &got)
	want := authzv1.ResourceRule{Verbs: []string{"create", "update"}, APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"settings"}}
	found, basic := false, false
	for _, r := range got.Status.ResourceRules {
		found = found || (slices.Equal(r.Verbs, want.Verbs) && slices.Equal(r.Resources, want.Resources) && slices.Equal(r.ResourceNames, want.ResourceNames))
		basic = basic || slices.Contains(r.Resources, "selfsubjectaccessreviews")
	}
	if !found || !basic || got.Status.Incomplete || len(got.Status.NonResourceRules) == 0 {
		t.Errorf("robot in default: %+v", got.Status)
	}
	in.Spec.Namespace = "kube-system"
	e.post(e.robot, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", in, &got)
	for _, r := range got.Status.ResourceRules {
		if slices.Contains(r.Resources, "configmaps") {
			t.Errorf("robot in kube-system has %+v", r)
		}
	}
	e.post(e.admin, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", in, &got)
	if len(got.Status.ResourceRules) == 0 || !slices.Contains(got.Status.ResourceRules[0].Verbs, "*") {
		t.Errorf("admin: %+v", got.Status)
	}
	if code, body := e.do(e.robot, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", `{"spec":{}}`); code != 400 {
		t.Errorf("no namespace: %d %s", code, body)
	}
}

func TestTokenReview(t *testing.T) {
	e := startReviewEnv(t)
	review := func(c *http.Client, token string, auds ...string) authnv1.TokenReviewStatus {
		var got authnv1.TokenReview
		e.post(c, "/apis/authentication.k8s.io/v1/tokenreviews", authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: token, Audiences: auds}}, &got)
		return got.Status
	}
	st := review(e.admin, e.robotToken)
	if !st.Authenticated || st.User.Username != "system:serviceaccount:default:robot" || st.User.UID == "" ||
		!slices.Contains(st.User.Groups, "system:serviceaccounts:default") || len(st.Audiences) != 1 {
		t.Errorf("robot token: %+v", st)
	}
	if st := review(e.admin, "s3cret"); !st.Authenticated || st.User.Username != "carol" {
		t.Errorf("static token: %+v", st)
	}
	tampered := e.robotToken[:len(e.robotToken)-4] + "AAAA"
	for name, tok := range map[string]string{"tampered": tampered, "unknown": "nope"} {
		if st := review(e.admin, tok); st.Authenticated || st.Error == "" || st.User.Username != "" {
			t.Errorf("%s token: %+v", name, st)
		}
	}
	if st := review(e.admin, e.robotToken, "https://other.example"); st.Authenticated || !strings.Contains(st.Error, "audiences") {
		t.Errorf("other audience: %+v", st)
	}
	// Reviewing tokens needs the permission (system:auth-delegator has it).
	b, _ := json.Marshal(authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: e.robotToken}})
	if code, body := e.do(e.robot, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", string(b)); code != 403 {
		t.Errorf("robot: %d %s", code, body)
	}
	if code, body := e.do(e.admin, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", `{"spec":{}}`); code != 400 {
		t.Errorf("no token: %d %s", code, body)
	}
}

func TestReviewDiscovery(t *testing.T) {
	e := startReviewEnv(t)
	var l metav1.APIResourceList
	if err := json.Unmarshal([]byte(e.must(e.robot, "GET", "/apis/authorization.k8s.io/v1", "", 200)), &l); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range l.APIResources {
		names = append(names, r.Name)
		if !slices.Equal(r.Verbs, []string{"create"}) || r.StorageVersionHash != "" {
			t.Errorf("%+v", r)
		}
		if r.Name == "localsubjectaccessreviews" != r.Namespaced {
			t.Errorf("scope of %+v", r)
		}
	}
	if len(names) != 4 {
		t.Errorf("authorization.k8s.io/v1 resources %v", names)
	}
	var gl metav1.APIGroupList
	if err := json.Unmarshal([]byte(e.must(e.robot, "GET", "/apis", "", 200)), &gl); err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, g := range gl.Groups {
		groups = append(groups, g.Name)
	}
	if !slices.Contains(groups, "authentication.k8s.io") || !slices.Contains(groups, "authorization.k8s.io") {
		t.Errorf("groups %v", groups)
	}
}

// Upstream kubectl's auth commands work against the review APIs.
func TestKubectlAuth(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed")
	}
	e := startReviewEnv(t)
	admin := filepath.Join(e.r.CertDir(), pki.AdminKubeconfig)
	run := func(kubeconfig string, args ...string) (string, error) {
		out, err := exec.Command(kubectl, append([]string{"--kubeconfig", kubeconfig}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := run(admin, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"); err != nil || out != "admin" {
		t.Errorf("whoami: %v %s", err, out)
	}
	if out, err := run(admin, "auth", "can-i", "delete", "deployments", "-n", "kube-system"); err != nil || strings.TrimSpace(out) != "yes" {
		t.Errorf("admin can-i: %v %s", err, out)
	}
	robot := filepath.Join(t.TempDir(), "robot.kubeconfig")
	if out, err := run(admin, "config", "view", "--raw", "--minify", "-o", "json"); err != nil {
		t.Fatalf("%v %s", err, out)
	} else if err := os.WriteFile(robot, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(robot, "config", "set-credentials", "robot", "--token="+e.robotToken); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if out, err := run(robot, "config", "set-context", "--current", "--user=robot"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if out, err := run(robot, "auth", "can-i", "create", "pods", "-n", "default"); err == nil || strings.TrimSpace(out) != "no" {
		t.Errorf("robot can-i create pods: %v %s", err, out)
	}
	if out, err := run(robot, "auth", "can-i", "list", "pods", "-n", "default"); err != nil || strings.TrimSpace(out) != "yes" {
		t.Errorf("robot can-i list pods: %v %s", err, out)
	}
	if out, err := run(robot, "auth", "can-i", "--list", "-n", "default"); err != nil || !strings.Contains(out, "configmaps") ||
		!strings.Contains(out, "[settings]") {
		t.Errorf("robot can-i --list: %v %s", err, out)
	}
	if out, err := run(robot, "auth", "whoami"); err != nil || !strings.Contains(out, "system:serviceaccount:default:robot") {
		t.Errorf("robot whoami: %v %s", err, out)
	}
}
