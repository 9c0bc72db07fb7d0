package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestServerGroupsAndResources(t *testing.T) {
	mux := http.NewServeMux()
	serve := func(path, body string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(body)) })
	}
	serve("/api", `{"kind":"APIVersions","versions":["v1"]}`)
	serve("/apis", `{"kind":"APIGroupList","groups":[
	  {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
	  {"name":"broken.io","versions":[{"groupVersion":"broken.io/v1","version":"v1"}]}]}`)
	serve("/api/v1", `{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"pods","namespaced":true,"kind":"Pod","verbs":["get"]}]}`)
	serve("/apis/apps/v1", `{"kind":"APIResourceList","groupVersion":"apps/v1","resources":[{"name":"deployments","namespaced":true,"kind":"Deployment","verbs":["get"]}]}`)
	serve("/version", `{"major":"1","minor":"37","gitVersion":"v1.37.2-wharf"}`)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, _ := newTestClient(t, Config{Host: srv.URL})

	groups, lists, err := c.ServerGroupsAndResources(context.Background())
	if err == nil {
		t.Error("the broken group's 404 was not reported")
	}
	if len(groups) != 3 || groups[0].Name != "" || groups[1].Name != "apps" {
		t.Errorf("groups = %+v", groups)
	}
	if len(lists) != 2 || lists[0].GroupVersion != "v1" || lists[0].APIResources[0].Name != "pods" ||
		lists[1].GroupVersion != "apps/v1" || lists[1].APIResources[0].Kind != "Deployment" {
		t.Errorf("lists = %+v", lists)
	}
	v, err := c.ServerVersion(context.Background())
	if err != nil || v.GitVersion != "v1.37.2-wharf" {
		t.Errorf("version = %+v, %v", v, err)
	}
}
