package discovery

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/go-chi/chi/v5"
	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"

	"github.com/wharfhq/wharf/proto/api"
)

// kubectlAccept is what client-go 1.37 sends to /api and /apis.
const kubectlAccept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;profile=nopeer," +
	"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	h.Register(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches path and decodes the JSON body into out; it returns the
// response's status code and Content-Type.
func get(t *testing.T, srv *httptest.Server, path, accept string, out any) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, b)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type")
}

func findResource(l metav1.APIResourceList, name string) *metav1.APIResource {
	for i := range l.APIResources {
		if l.APIResources[i].Name == name {
			return &l.APIResources[i]
		}
	}
	return nil
}

func TestLegacyCoreResources(t *testing.T) {
	srv := newServer(t)
	var l metav1.APIResourceList
	if code, _ := get(t, srv, "/api/v1", "", &l); code != 200 {
		t.Fatalf("code %d", code)
	}
	if l.Kind != "APIResourceList" || l.GroupVersion != "v1" {
		t.Fatalf("header %+v", l.TypeMeta)
	}
	pods := findResource(l, "pods")
	if pods == nil || pods.Kind != "Pod" || !pods.Namespaced || pods.SingularName != "pod" {
		t.Fatalf("pods entry %+v", pods)
	}
	if !slices.Equal(pods.ShortNames, []string{"po"}) || !slices.Contains(pods.Categories, "all") {
		t.Errorf("pods shortNames %v categories %v", pods.ShortNames, pods.Categories)
	}
	if !slices.Contains(pods.Verbs, "watch") || !slices.Contains(pods.Verbs, "deletecollection") {
		t.Errorf("pods verbs %v", pods.Verbs)
	}
	if pods.StorageVersionHash == "" {
		t.Error("no storageVersionHash")
	}
	if s := findResource(l, "pods/status"); s == nil || s.Kind != "Pod" || !slices.Equal(s.Verbs, []string{"get", "patch", "update"}) {
		t.Errorf("pods/status %+v", s)
	}
	if b := findResource(l, "pods/binding"); b == nil || b.Kind != "Binding" || !slices.Equal(b.Verbs, []string{"create"}) {
		t.Errorf("pods/binding %+v", b)
	}
	if e := findResource(l, "pods/eviction"); e == nil || e.Group != "policy" || e.Kind != "Eviction" {
		t.Errorf("pods/eviction %+v", e)
	}
	if n := findResource(l, "nodes"); n == nil || n.Namespaced {
		t.Errorf("nodes %+v", n)
	}
}

func TestLegacyGroups(t *testing.T) {
	srv := newServer(t)
	var gl metav1.APIGroupList
	get(t, srv, "/apis", "application/json", &gl)
	var names []string
	for _, g := range gl.Groups {
		names = append(names, g.Name)
		if g.PreferredVersion.GroupVersion != g.Name+"/v1" {
			t.Errorf("group %s preferred %+v", g.Name, g.PreferredVersion)
		}
	}
	for _, want := range []string{"apps", "batch", "discovery.k8s.io", "coordination.k8s.io", "rbac.authorization.k8s.io"} {
		if !slices.Contains(names, want) {
			t.Errorf("groups %v lack %s", names, want)
		}
	}
	if slices.Contains(names, "") {
		t.Error("core group listed under /apis")
	}

	var l metav1.APIResourceList
	get(t, srv, "/apis/apps/v1", "", &l)
	scale := findResource(l, "deployments/scale")
	if scale == nil || scale.Group != "autoscaling" || scale.Version != "v1" || scale.Kind != "Scale" {
		t.Errorf("deployments/scale %+v", scale)
	}
	var g metav1.APIGroup
	if code, _ := get(t, srv, "/apis/batch", "", &g); code != 200 || g.Name != "batch" || len(g.Versions) != 1 {
		t.Errorf("/apis/batch %d %+v", code, g)
	}
	var v metav1.APIVersions
	get(t, srv, "/api", "application/json", &v)
	if !slices.Equal(v.Versions, []string{"v1"}) || len(v.ServerAddressByClientCIDRs) != 1 {
		t.Errorf("/api %+v", v)
	}
}

func TestNotFound(t *testing.T) {
	srv := newServer(t)
	for _, p := range []string{"/apis/apps/v2", "/apis/nope", "/api/v2"} {
		var st metav1.Status
		if code, _ := get(t, srv, p, "", &st); code != 404 || st.Reason != metav1.StatusReasonNotFound {
			t.Errorf("%s: %d %+v", p, code, st)
		}
	}
}

func TestAggregated(t *testing.T) {
	srv := newServer(t)
	var core apidiscoveryv2.APIGroupDiscoveryList
	_, ct := get(t, srv, "/api", kubectlAccept, &core)
	if ct != ContentTypeAggregated {
		t.Fatalf("content type %q", ct)
	}
	if core.Kind != "APIGroupDiscoveryList" || len(core.Items) != 1 || core.Items[0].Name != "" {
		t.Fatalf("core %+v", core.TypeMeta)
	}
	var pods *apidiscoveryv2.APIResourceDiscovery
	for i, r := range core.Items[0].Versions[0].Resources {
		if r.Resource == "pods" {
			pods = &core.Items[0].Versions[0].Resources[i]
		}
	}
	if pods == nil || pods.Scope != apidiscoveryv2.ScopeNamespace || pods.ResponseKind == nil || pods.ResponseKind.Kind != "Pod" {
		t.Fatalf("pods %+v", pods)
	}
	if !slices.Contains(pods.Categories, "all") || !slices.Equal(pods.ShortNames, []string{"po"}) {
		t.Errorf("pods %+v", pods)
	}
	for _, s := range pods.Subresources {
		if s.ResponseKind == nil || len(s.Verbs) == 0 {
			t.Errorf("subresource %+v", s)
		}
	}

	var groups apidiscoveryv2.APIGroupDiscoveryList
	_, ct = get(t, srv, "/apis", kubectlAccept, &groups)
	if ct != ContentTypeAggregated {
		t.Fatalf("content type %q", ct)
	}
	for _, g := range groups.Items {
		if g.Name == "" {
			t.Error("core group in /apis")
		}
		if g.Name == "apps" && (len(g.Versions) != 1 || g.Versions[0].Freshness != apidiscoveryv2.DiscoveryFreshnessCurrent) {
			t.Errorf("apps %+v", g.Versions)
		}
	}
}

func TestWantsAggregated(t *testing.T) {
	cases := map[string]bool{
		kubectlAccept:      true,
		"application/json": false,
		"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList": false,
		"":       false,
		";;;,,=": false,
	}
	for accept, want := range cases {
		if got := WantsAggregated([]string{accept}); got != want {
			t.Errorf("%q: %v", accept, got)
		}
	}
}

func TestVersion(t *testing.T) {
	srv := newServer(t)
	var v version.Info
	get(t, srv, "/version", "", &v)
	if v.Major != "1" || v.Minor != "37" || v.GitVersion != DefaultGitVersion || v.GoVersion == "" {
		t.Errorf("%+v", v)
	}
}

func TestExtraResources(t *testing.T) {
	h, err := New(Config{Extra: []Extra{
		{Info: &api.Info{Group: "authorization.k8s.io", Version: "v1", Resource: "selfsubjectaccessreviews", Kind: "SelfSubjectAccessReview"},
			Verbs: []string{"create"}},
		{Info: &api.Info{Group: "apps", Version: "v1", Resource: "widgets", Kind: "Widget", Namespaced: true},
			Verbs: []string{"get"}, StoredAs: &api.Info{Version: "v1", Kind: "Widget"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	h.Register(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	var l metav1.APIResourceList
	get(t, srv, "/apis/authorization.k8s.io/v1", "", &l)
	if s := findResource(l, "selfsubjectaccessreviews"); s == nil || !slices.Equal(s.Verbs, []string{"create"}) || s.StorageVersionHash != "" {
		t.Errorf("review %+v", s)
	}
	get(t, srv, "/apis/apps/v1", "", &l)
	w, d := findResource(l, "widgets"), findResource(l, "deployments")
	if w == nil || d == nil || w.StorageVersionHash != StorageVersionHash("", "v1", "Widget") || !slices.Equal(w.Verbs, []string{"get"}) {
		t.Errorf("widgets %+v deployments %+v", w, d)
	}
	var agg apidiscoveryv2.APIGroupDiscoveryList
	get(t, srv, "/apis", kubectlAccept, &agg)
	found := false
	for _, g := range agg.Items {
		for _, v := range g.Versions {
			for _, r := range v.Resources {
				found = found || (g.Name == "authorization.k8s.io" && r.Resource == "selfsubjectaccessreviews" && slices.Equal(r.Verbs, []string{"create"}))
			}
		}
	}
	if !found {
		t.Error("review not in aggregated discovery")
	}
}
