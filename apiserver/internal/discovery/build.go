package discovery

import (
	"crypto/sha256"
	"encoding/base64"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/api"
)

// subresourceSpec says how a subresource appears in discovery. An empty
// kind means "the parent resource's kind".
type subresourceSpec struct {
	group, version, kind string
	verbs                []string
}

var subresourceSpecs = map[string]subresourceSpec{
	"status":   {verbs: []string{"get", "patch", "update"}},
	"scale":    {group: "autoscaling", version: "v1", kind: "Scale", verbs: []string{"get", "patch", "update"}},
	"binding":  {version: "v1", kind: "Binding", verbs: []string{"create"}},
	"eviction": {group: "policy", version: "v1", kind: "Eviction", verbs: []string{"create"}},
	"log":      {version: "v1", kind: "Pod", verbs: []string{"get"}},
	"finalize": {verbs: []string{"update"}},
}

// subresourceGVK returns the response kind of subresource sub of info.
func subresourceGVK(info *api.Info, sub string) (metav1.GroupVersionKind, []string) {
	spec, ok := subresourceSpecs[sub]
	if !ok {
		spec = subresourceSpec{verbs: []string{"get"}}
	}
	if spec.kind == "" {
		return metav1.GroupVersionKind{Group: info.Group, Version: info.Version, Kind: info.Kind}, spec.verbs
	}
	return metav1.GroupVersionKind{Group: spec.group, Version: spec.version, Kind: spec.kind}, spec.verbs
}

// StorageVersionHash is upstream's hash of the storage group/version/kind.
func StorageVersionHash(group, version, kind string) string {
	sum := sha256.Sum256([]byte(group + "/" + version + "/" + kind))
	return base64.StdEncoding.EncodeToString(sum[:8])
}

// groupVersion is one served group/version and its resources, in
// catalogue order.
type groupVersion struct {
	group, version string
	resources      []Extra
}

func (gv groupVersion) String() string {
	if gv.group == "" {
		return gv.version
	}
	return gv.group + "/" + gv.version
}

// groupVersions groups infos (with every verb) and extra by
// group/version, keeping first-seen order.
func groupVersions(infos []*api.Info, extra []Extra) []groupVersion {
	all := make([]Extra, 0, len(infos)+len(extra))
	for _, i := range infos {
		all = append(all, Extra{Info: i, Verbs: api.Verbs, StoredAs: i})
	}
	all = append(all, extra...)
	var out []groupVersion
	index := map[[2]string]int{}
	for _, e := range all {
		i := e.Info
		k := [2]string{i.Group, i.Version}
		n, ok := index[k]
		if !ok {
			n = len(out)
			index[k] = n
			out = append(out, groupVersion{group: i.Group, version: i.Version})
		}
		out[n].resources = append(out[n].resources, e)
	}
	return out
}

// resourceList is the legacy APIResourceList of one group/version.
func resourceList(gv groupVersion) *metav1.APIResourceList {
	l := &metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: gv.String(),
		APIResources: []metav1.APIResource{},
	}
	for _, e := range gv.resources {
		i := e.Info
		r := metav1.APIResource{
			Name:         i.Resource,
			SingularName: i.Singular,
			Namespaced:   i.Namespaced,
			Kind:         i.Kind,
			Verbs:        append([]string(nil), e.Verbs...),
			ShortNames:   i.ShortNames,
			Categories:   i.Categories,
		}
		if st := e.StoredAs; st != nil {
			r.StorageVersionHash = StorageVersionHash(st.Group, st.Version, st.Kind)
		}
		l.APIResources = append(l.APIResources, r)
		for _, sub := range i.Subresources {
			gvk, verbs := subresourceGVK(i, sub)
			r := metav1.APIResource{Name: i.Resource + "/" + sub, Namespaced: i.Namespaced, Kind: gvk.Kind, Verbs: verbs}
			if gvk.Group != i.Group || gvk.Version != i.Version {
				r.Group, r.Version = gvk.Group, gvk.Version
			}
			l.APIResources = append(l.APIResources, r)
		}
	}
	return l
}

// groupList is the legacy APIGroupList of the named groups (all but core).
func groupList(gvs []groupVersion) *metav1.APIGroupList {
	l := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}, Groups: []metav1.APIGroup{}}
	index := map[string]int{}
	for _, gv := range gvs {
		if gv.group == "" {
			continue
		}
		v := metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: gv.version}
		n, ok := index[gv.group]
		if !ok {
			n = len(l.Groups)
			index[gv.group] = n
			l.Groups = append(l.Groups, metav1.APIGroup{Name: gv.group, PreferredVersion: v})
		}
		l.Groups[n].Versions = append(l.Groups[n].Versions, v)
	}
	return l
}

// aggregated returns the apidiscovery/v2 document of the given group/versions.
func aggregated(gvs []groupVersion) *apidiscoveryv2.APIGroupDiscoveryList {
	l := &apidiscoveryv2.APIGroupDiscoveryList{
		TypeMeta: metav1.TypeMeta{Kind: "APIGroupDiscoveryList", APIVersion: "apidiscovery.k8s.io/v2"},
		Items:    []apidiscoveryv2.APIGroupDiscovery{},
	}
	index := map[string]int{}
	for _, gv := range gvs {
		n, ok := index[gv.group]
		if !ok {
			n = len(l.Items)
			index[gv.group] = n
			l.Items = append(l.Items, apidiscoveryv2.APIGroupDiscovery{ObjectMeta: metav1.ObjectMeta{Name: gv.group}})
		}
		v := apidiscoveryv2.APIVersionDiscovery{Version: gv.version, Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent}
		for _, e := range gv.resources {
			v.Resources = append(v.Resources, aggregatedResource(e))
		}
		l.Items[n].Versions = append(l.Items[n].Versions, v)
	}
	return l
}

func aggregatedResource(e Extra) apidiscoveryv2.APIResourceDiscovery {
	i := e.Info
	scope := apidiscoveryv2.ScopeCluster
	if i.Namespaced {
		scope = apidiscoveryv2.ScopeNamespace
	}
	r := apidiscoveryv2.APIResourceDiscovery{
		Resource:         i.Resource,
		ResponseKind:     &metav1.GroupVersionKind{Group: i.Group, Version: i.Version, Kind: i.Kind},
		Scope:            scope,
		SingularResource: i.Singular,
		Verbs:            append([]string(nil), e.Verbs...),
		ShortNames:       i.ShortNames,
		Categories:       i.Categories,
	}
	for _, sub := range i.Subresources {
		gvk, verbs := subresourceGVK(i, sub)
		r.Subresources = append(r.Subresources, apidiscoveryv2.APISubresourceDiscovery{
			Subresource:  sub,
			ResponseKind: &gvk,
			Verbs:        verbs,
		})
	}
	return r
}
