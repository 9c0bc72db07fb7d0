package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// getJSON GETs path and decodes the JSON response into out.
func getJSON(ctx context.Context, cl *client.Client, path string, out any) error {
	resp, err := cl.Do(ctx, &client.Request{Method: http.MethodGet, Path: path, Accept: "application/json"})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return fmt.Errorf("decoding %s: %w", path, err)
	}
	return nil
}

// serverResources reads the legacy discovery documents: /api, /apis and
// every group version's resource list (preferred versions first).
func serverResources(ctx context.Context, cl *client.Client) ([]*metav1.APIResourceList, error) {
	var versions metav1.APIVersions
	if err := getJSON(ctx, cl, "/api", &versions); err != nil {
		return nil, err
	}
	var paths []string
	for _, v := range versions.Versions {
		paths = append(paths, "/api/"+v)
	}
	var groups metav1.APIGroupList
	if err := getJSON(ctx, cl, "/apis", &groups); err != nil {
		return nil, err
	}
	for _, g := range groups.Groups {
		paths = append(paths, "/apis/"+g.PreferredVersion.GroupVersion)
		for _, v := range g.Versions {
			if v.GroupVersion != g.PreferredVersion.GroupVersion {
				paths = append(paths, "/apis/"+v.GroupVersion)
			}
		}
	}
	lists := make([]*metav1.APIResourceList, 0, len(paths))
	for _, p := range paths {
		var l metav1.APIResourceList
		if err := getJSON(ctx, cl, p, &l); err != nil {
			return nil, err
		}
		lists = append(lists, &l)
	}
	return lists, nil
}
