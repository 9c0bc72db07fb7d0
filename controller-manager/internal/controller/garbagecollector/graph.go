package garbagecollector

import (
	"log/slog"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
)

// ownerIndex maps an owner UID to its dependents.
const ownerIndex = "owner-uid"

// ignored resources are never collected (upstream ignores events).
var ignored = map[string]bool{"events": true}

// Item names one object.
type Item struct {
	Resource  string
	Namespace string
	Name      string
}

// cache is one resource's informer.
type cache struct {
	info *api.Info
	inf  *informer.Informer[*unstructured.Unstructured]
}

// graph is the set of caches, by resource and by apiVersion/kind.
type graph struct {
	byResource map[string]*cache
	byKind     map[string]*cache // "apps/v1/ReplicaSet"
}

// Source builds the informer of one resource; tests may substitute fakes.
type Source func(info *api.Info) informer.ListerWatcher[*unstructured.Unstructured]

// APISource lists and watches through the apiserver.
func APISource(c *client.Client) Source {
	return func(info *api.Info) informer.ListerWatcher[*unstructured.Unstructured] {
		return informer.FromResource(client.NewResource[*unstructured.Unstructured](c, info))
	}
}

func newGraph(src Source, resync time.Duration, logger *slog.Logger) *graph {
	g := &graph{byResource: map[string]*cache{}, byKind: map[string]*cache{}}
	for _, info := range api.All() {
		if ignored[info.Resource] {
			continue
		}
		inf := informer.New[*unstructured.Unstructured](src(info), informer.Options[*unstructured.Unstructured]{
			ResyncPeriod: resync,
			Indexers:     map[string]informer.IndexFunc[*unstructured.Unstructured]{ownerIndex: ownerUIDs},
			Logger:       logger.With("informer", "gc/"+info.Resource),
			PageSize:     500,
		})
		c := &cache{info: info, inf: inf}
		g.byResource[info.Resource] = c
		g.byKind[info.APIVersion()+"/"+info.Kind] = c
	}
	return g
}

func ownerUIDs(obj *unstructured.Unstructured) ([]string, error) {
	refs := obj.GetOwnerReferences()
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = string(r.UID)
	}
	return out, nil
}

// dependents returns the items whose ownerReferences name uid.
func (g *graph) dependents(uid types.UID) []dependent {
	var out []dependent
	for _, c := range g.byResource {
		for _, o := range c.inf.Lister().ByIndex(ownerIndex, string(uid)) {
			out = append(out, dependent{item: itemOf(c.info, o), obj: o})
		}
	}
	return out
}

type dependent struct {
	item Item
	obj  *unstructured.Unstructured
}

func itemOf(info *api.Info, o *unstructured.Unstructured) Item {
	return Item{Resource: info.Resource, Namespace: o.GetNamespace(), Name: o.GetName()}
}

func (g *graph) synced() []func() bool {
	var out []func() bool
	for _, c := range g.byResource {
		out = append(out, c.inf.HasSynced)
	}
	return out
}
