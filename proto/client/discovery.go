package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"
)

// ServerVersion reads GET /version.
func (c *Client) ServerVersion(ctx context.Context) (*version.Info, error) {
	var v version.Info
	if err := c.getJSON(ctx, "/version", &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ServerGroups lists the API groups: the core group (from /api, named "")
// first, then /apis.
func (c *Client) ServerGroups(ctx context.Context) ([]metav1.APIGroup, error) {
	var core metav1.APIVersions
	if err := c.getJSON(ctx, "/api", &core); err != nil {
		return nil, err
	}
	var groups []metav1.APIGroup
	if len(core.Versions) > 0 {
		g := metav1.APIGroup{}
		for _, v := range core.Versions {
			g.Versions = append(g.Versions, metav1.GroupVersionForDiscovery{GroupVersion: v, Version: v})
		}
		g.PreferredVersion = g.Versions[0]
		groups = append(groups, g)
	}
	var list metav1.APIGroupList
	if err := c.getJSON(ctx, "/apis", &list); err != nil {
		return nil, err
	}
	return append(groups, list.Groups...), nil
}

// ServerGroupsAndResources returns the groups and, for every served
// group/version, its resource list (GET /api/v1, /apis/<g>/<v>). Lists
// that fail to load are left out and reported in the error, which is then
// returned along with the lists that did load (as client-go does).
func (c *Client) ServerGroupsAndResources(ctx context.Context) ([]metav1.APIGroup, []metav1.APIResourceList, error) {
	groups, err := c.ServerGroups(ctx)
	if err != nil {
		return nil, nil, err
	}
	var lists []metav1.APIResourceList
	var errs []error
	for _, g := range groups {
		for _, v := range g.Versions {
			path := "/apis/" + v.GroupVersion
			if g.Name == "" {
				path = "/api/" + v.Version
			}
			var l metav1.APIResourceList
			if err := c.getJSON(ctx, path, &l); err != nil {
				errs = append(errs, fmt.Errorf("discovering %s: %w", v.GroupVersion, err))
				continue
			}
			if l.GroupVersion == "" {
				l.GroupVersion = v.GroupVersion
			}
			lists = append(lists, l)
		}
	}
	return groups, lists, errors.Join(errs...)
}

// Discovery returns the resource list of every served group/version; see
// ServerGroupsAndResources for partial failures.
func (c *Client) Discovery(ctx context.Context) ([]metav1.APIResourceList, error) {
	_, lists, err := c.ServerGroupsAndResources(ctx)
	return lists, err
}

func (c *Client) getJSON(ctx context.Context, path string, into any) error {
	resp, err := c.Do(ctx, &Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.Body, into); err != nil {
		return fmt.Errorf("GET %s: decoding %T: %w", path, into, err)
	}
	return nil
}
