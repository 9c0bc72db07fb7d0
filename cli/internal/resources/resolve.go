// Package resources maps what users type ("po", "pods", "deploy",
// "deployments.apps", "minions") to API resources, using the server's
// discovery documents rather than a built-in list, and caches discovery on
// disk so each command does not refetch it.
package resources

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Resource is one resolved API resource.
type Resource struct {
	GroupVersion schema.GroupVersion
	metav1.APIResource
}

// GVR returns the group, version and plural name.
func (r Resource) GVR() schema.GroupVersionResource {
	return r.GroupVersion.WithResource(r.Name)
}

// QualifiedName is "name" for the core group and "name.group" otherwise,
// as kubectl prints it in -o name.
func (r Resource) QualifiedName() string {
	if r.GroupVersion.Group == "" {
		return r.Name
	}
	return r.Name + "." + r.GroupVersion.Group
}

// aliases are the seed walkthrough's historical names.
var aliases = map[string]string{"minion": "nodes", "minions": "nodes"}

// Set is the resources served by one server, in discovery order.
type Set struct {
	items []Resource
}

// NewSet builds a Set from discovery lists, skipping subresources.
func NewSet(lists []*metav1.APIResourceList) (*Set, error) {
	s := &Set{}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			return nil, fmt.Errorf("discovery returned a bad groupVersion %q: %w", l.GroupVersion, err)
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") {
				continue
			}
			s.items = append(s.items, Resource{GroupVersion: gv, APIResource: r})
		}
	}
	return s, nil
}

// All returns every resource.
func (s *Set) All() []Resource { return s.items }

// Resolve finds the resource a user named: plural, singular, short name or
// kind (any case), optionally qualified by group ("deployments.apps").
func (s *Set) Resolve(arg string) (Resource, error) {
	name := strings.ToLower(arg)
	if a, ok := aliases[name]; ok {
		name = a
	}
	name, group, qualified := strings.Cut(name, ".")
	var found []Resource
	for _, r := range s.items {
		if qualified && r.GroupVersion.Group != group {
			continue
		}
		if matches(r, name) {
			found = append(found, r)
		}
	}
	if len(found) == 0 {
		return Resource{}, fmt.Errorf("the server doesn't have a resource type %q", arg)
	}
	// Prefer the core group and then discovery order, as kubectl's
	// priority RESTMapper does.
	return found[0], nil
}

func matches(r Resource, name string) bool {
	if r.Name == name || r.SingularName == name || strings.ToLower(r.Kind) == name {
		return true
	}
	for _, sn := range r.ShortNames {
		if sn == name {
			return true
		}
	}
	return false
}

// ForKind finds the resource serving objects of apiVersion and kind.
func (s *Set) ForKind(apiVersion, kind string) (Resource, error) {
	for _, r := range s.items {
		if r.GroupVersion.String() == apiVersion && r.Kind == kind {
			return r, nil
		}
	}
	return Resource{}, fmt.Errorf("no matches for kind %q in version %q", kind, apiVersion)
}

// Category returns the resources in a category such as "all".
func (s *Set) Category(name string) []Resource {
	var out []Resource
	for _, r := range s.items {
		for _, c := range r.Categories {
			if c == name {
				out = append(out, r)
				break
			}
		}
	}
	return out
}
