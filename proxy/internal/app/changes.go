package app

import (
	"slices"
	"strconv"
	"sync"

	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/wharfhq/wharf/proxy/internal/rules"
)

// serviceIndex indexes EndpointSlices by "namespace/service-name".
const serviceIndex = "service"

func sliceService(s *discoveryv1.EndpointSlice) ([]string, error) {
	if name := s.Labels[discoveryv1.LabelServiceName]; name != "" {
		return []string{s.Namespace + "/" + name}, nil
	}
	return nil, nil
}

// changes is the set of services ("ns/name") whose Service or
// EndpointSlices changed since the last sync. Informer handlers add to it;
// the runner takes it.
type changes struct {
	mu    sync.Mutex
	dirty map[string]struct{}
	maxRV int64 // newest resourceVersion recorded
}

// add records keys changed by an object at resourceVersion rv.
func (c *changes) add(rv string, keys ...string) {
	n, _ := strconv.ParseInt(rv, 10, 64)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dirty == nil {
		c.dirty = map[string]struct{}{}
	}
	for _, k := range keys {
		c.dirty[k] = struct{}{}
	}
	c.maxRV = max(c.maxRV, n)
}

// take returns and clears the dirty set, with the newest resourceVersion
// recorded so far (not cleared).
func (c *changes) take() (map[string]struct{}, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.dirty
	c.dirty = nil
	return d, c.maxRV
}

// portCache holds the rendered-input ports of every service, updated per
// dirty service, so a sync of one change does not rebuild all of them.
// Only the runner goroutine uses it.
type portCache struct {
	ports  map[string][]rules.ServicePort
	keys   []string // sorted keys of ports
	sorted bool
}

// update recomputes the ports of the given services from the caches and
// returns the conntrack entries their changes made stale.
func (pc *portCache) update(dirty map[string]struct{}, p *proxier) []rules.Flush {
	var flushes []rules.Flush
	if pc.ports == nil {
		pc.ports = map[string][]rules.ServicePort{}
	}
	for key := range dirty {
		svc, ok := p.services.Lister().GetByKey(key)
		var ports []rules.ServicePort
		if ok {
			ports = rules.ServicePorts(svc, p.slices.Lister().ByIndex(serviceIndex, key), p.nodeName)
		}
		old, had := pc.ports[key]
		if slices.EqualFunc(old, ports, func(a, b rules.ServicePort) bool { return a.Equal(&b) }) {
			continue // keep old: the Renderer shares its slices (a full resync recomputes every service)
		}
		flushes = append(flushes, rules.StaleFlows(old, ports)...)
		if len(ports) == 0 {
			delete(pc.ports, key)
		} else {
			pc.ports[key] = ports
		}
		if had != (len(ports) > 0) {
			pc.sorted = false
		}
	}
	return flushes
}

// snapshot flattens the cache in key order.
func (pc *portCache) snapshot(clusterCIDR string) *rules.Snapshot {
	if !pc.sorted {
		pc.keys = pc.keys[:0]
		for k := range pc.ports {
			pc.keys = append(pc.keys, k)
		}
		slices.Sort(pc.keys)
		pc.sorted = true
	}
	s := &rules.Snapshot{ClusterCIDR: clusterCIDR, Services: make([]rules.ServicePort, 0, len(pc.keys))}
	for _, k := range pc.keys {
		s.Services = append(s.Services, pc.ports[k]...)
	}
	return s
}

// allKeys is every service key the caches or pc know.
func (pc *portCache) allKeys(p *proxier) map[string]struct{} {
	all := map[string]struct{}{}
	for _, k := range p.services.Lister().Keys() {
		all[k] = struct{}{}
	}
	for k := range pc.ports {
		all[k] = struct{}{}
	}
	return all
}
