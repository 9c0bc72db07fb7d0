package requestinfo

import (
	"net/url"
	"reflect"
	"testing"
)

func TestSplitResource(t *testing.T) {
	cases := []struct {
		rest string
		want Resource
	}{
		{"pods", Resource{Resource: "pods"}},
		{"/namespaces/ns/pods/p/status/", Resource{Namespace: "ns", Resource: "pods", Name: "p", Subresource: "status"}},
		{"watch/namespaces/ns/pods", Resource{WatchPrefix: true, Namespace: "ns", Resource: "pods"}},
		{"namespaces/ns", Resource{Resource: "namespaces", Name: "ns"}},
		{"namespaces/ns/finalize", Resource{Resource: "namespaces", Name: "ns", Subresource: "finalize"}},
		{"namespaces/ns/pods/p/log/x", Resource{Namespace: "ns", Resource: "pods", Name: "p", Subresource: "log", Extra: []string{"x"}}},
		{"watch", Resource{WatchPrefix: true}},
		{"", Resource{}},
	}
	for _, c := range cases {
		if got := SplitResource(c.rest); !reflect.DeepEqual(got, c.want) {
			t.Errorf("SplitResource(%q) = %+v, want %+v", c.rest, got, c.want)
		}
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		method, url string
		want        Info
	}{
		{"GET", "/healthz", Info{Path: "/healthz", Verb: "get"}},
		{"GET", "/apis/apps/v1", Info{Path: "/apis/apps/v1", Verb: "get"}},
		{"GET", "/api/v1/pods", Info{IsResourceRequest: true, Path: "/api/v1/pods", APIVersion: "v1",
			Resource: Resource{Resource: "pods"}, Verb: "list"}},
		{"GET", "/api/v1/namespaces/ns/pods?watch=True", Info{IsResourceRequest: true, Path: "/api/v1/namespaces/ns/pods",
			APIVersion: "v1", Resource: Resource{Namespace: "ns", Resource: "pods"}, Verb: "watch"}},
		{"GET", "/apis/apps/v1/watch/namespaces/ns/deployments/d", Info{IsResourceRequest: true,
			Path: "/apis/apps/v1/watch/namespaces/ns/deployments/d", APIGroup: "apps", APIVersion: "v1",
			Resource: Resource{WatchPrefix: true, Namespace: "ns", Resource: "deployments", Name: "d"}, Verb: "watch"}},
		{"DELETE", "/api/v1/namespaces/ns/pods", Info{IsResourceRequest: true, Path: "/api/v1/namespaces/ns/pods",
			APIVersion: "v1", Resource: Resource{Namespace: "ns", Resource: "pods"}, Verb: "deletecollection"}},
		{"PUT", "/api/v1/namespaces/ns/finalize", Info{IsResourceRequest: true, Path: "/api/v1/namespaces/ns/finalize",
			APIVersion: "v1", Resource: Resource{Resource: "namespaces", Name: "ns", Subresource: "finalize"}, Verb: "update"}},
	}
	for _, c := range cases {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := Parse(c.method, u); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Parse(%s %s) = %+v, want %+v", c.method, c.url, got, c.want)
		}
	}
}

func TestVerb(t *testing.T) {
	cases := []struct {
		method          string
		named, watching bool
		want            string
	}{
		{"GET", true, false, "get"},
		{"HEAD", false, false, "list"},
		{"GET", true, true, "watch"},
		{"POST", false, false, "create"},
		{"PUT", true, false, "update"},
		{"PATCH", true, false, "patch"},
		{"DELETE", true, false, "delete"},
		{"DELETE", false, false, "deletecollection"},
		{"OPTIONS", false, false, "options"},
	}
	for _, c := range cases {
		if got := Verb(c.method, c.named, c.watching); got != c.want {
			t.Errorf("Verb(%s, %v, %v) = %q, want %q", c.method, c.named, c.watching, got, c.want)
		}
	}
}
