package cache

import (
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/scheduler/internal/state"
)

// DefaultTTL is how long an assumed pod whose bind finished may wait for
// its watch event before it is expired.
const DefaultTTL = 30 * time.Second

type podState struct {
	info     *state.PodInfo
	node     string
	assumed  bool
	deadline time.Time // zero until FinishBinding
}

// Cache holds node and pod state. The zero value is not usable; use New.
type Cache struct {
	ttl time.Duration
	now func() time.Time

	mu         sync.Mutex
	nodes      map[string]*state.NodeInfo
	order      []string // node names in first-seen order
	pods       map[types.UID]*podState
	generation int64
	// listGen is the generation at which the set of nodes last changed.
	listGen int64
	// antiAffinity counts pods with required anti-affinity.
	antiAffinity int
	// dirty names the nodes changed since the last UpdateSnapshot; a Cache
	// therefore feeds exactly one Snapshot.
	dirty map[string]struct{}
}

// New returns an empty cache; now may be nil for time.Now.
func New(ttl time.Duration, now func() time.Time) *Cache {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Cache{ttl: ttl, now: now, nodes: make(map[string]*state.NodeInfo),
		pods: make(map[types.UID]*podState), dirty: make(map[string]struct{})}
}

// touch bumps n's generation; callers hold mu.
func (c *Cache) touch(n *state.NodeInfo) {
	c.generation++
	n.Generation = c.generation
	c.dirty[n.Name] = struct{}{}
}

// nodeFor returns the NodeInfo for name, creating a placeholder; callers
// hold mu.
func (c *Cache) nodeFor(name string) *state.NodeInfo {
	n, ok := c.nodes[name]
	if !ok {
		n = &state.NodeInfo{Name: name}
		c.nodes[name] = n
		c.order = append(c.order, name)
	}
	return n
}

// AddNode adds or replaces a node object.
func (c *Cache) AddNode(node *corev1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nodeFor(node.Name)
	if n.Node == nil {
		c.listGen = c.generation + 1
	}
	n.SetNode(node)
	c.touch(n)
}

// RemoveNode drops a node object. Pods still bound to it keep a placeholder
// until they are deleted, as upstream.
func (c *Cache) RemoveNode(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.nodes[name]
	if !ok {
		return
	}
	c.listGen = c.generation + 1
	if len(n.Pods) == 0 {
		c.deleteNode(name)
		c.generation++
		return
	}
	n.SetNode(nil)
	c.touch(n)
}

func (c *Cache) deleteNode(name string) {
	delete(c.nodes, name)
	for i, o := range c.order {
		if o == name {
			c.order = append(c.order[:i:i], c.order[i+1:]...)
			break
		}
	}
}

// Assume counts pod on node before the bind is confirmed.
func (c *Cache) Assume(pi *state.PodInfo, node string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	uid := pi.Pod.UID
	if _, ok := c.pods[uid]; ok {
		return fmt.Errorf("pod %s/%s (%s) is already in the cache", pi.Pod.Namespace, pi.Pod.Name, uid)
	}
	c.addLocked(pi, node, true)
	return nil
}

// FinishBinding starts the expiry clock of an assumed pod.
func (c *Cache) FinishBinding(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.pods[uid]; ok && ps.assumed {
		ps.deadline = c.now().Add(c.ttl)
	}
}

// Forget removes an assumed pod (its bind failed).
func (c *Cache) Forget(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.pods[uid]; ok && ps.assumed {
		c.removeLocked(uid)
	}
}

// IsAssumed reports whether the pod is assumed and not yet confirmed.
func (c *Cache) IsAssumed(uid types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps, ok := c.pods[uid]
	return ok && ps.assumed
}

// AddPod records an assigned pod seen by the watch, confirming an assumed
// pod (possibly on another node than assumed).
func (c *Cache) AddPod(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pods[pod.UID]; ok {
		c.removeLocked(pod.UID)
	}
	c.addLocked(state.NewPodInfo(pod), pod.Spec.NodeName, false)
}

// UpdatePod replaces an assigned pod's object.
func (c *Cache) UpdatePod(pod *corev1.Pod) { c.AddPod(pod) }

// RemovePod forgets a pod that was deleted or finished.
func (c *Cache) RemovePod(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(uid)
}

func (c *Cache) addLocked(pi *state.PodInfo, node string, assumed bool) {
	n := c.nodeFor(node)
	n.AddPod(pi)
	c.touch(n)
	c.pods[pi.Pod.UID] = &podState{info: pi, node: node, assumed: assumed}
	if len(pi.AntiAffinity) > 0 {
		c.antiAffinity++
	}
}

func (c *Cache) removeLocked(uid types.UID) {
	ps, ok := c.pods[uid]
	if !ok {
		return
	}
	delete(c.pods, uid)
	if len(ps.info.AntiAffinity) > 0 {
		c.antiAffinity--
	}
	n, ok := c.nodes[ps.node]
	if !ok {
		return
	}
	n.RemovePod(uid)
	c.touch(n)
	if n.Node == nil && len(n.Pods) == 0 {
		c.deleteNode(ps.node)
		c.listGen = c.generation
	}
}

// Cleanup expires assumed pods whose binding finished more than TTL ago
// without a confirming watch event; it returns how many it expired.
func (c *Cache) Cleanup() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	now, expired := c.now(), 0
	for uid, ps := range c.pods {
		if ps.assumed && !ps.deadline.IsZero() && now.After(ps.deadline) {
			c.removeLocked(uid)
			expired++
		}
	}
	return expired
}

// Counts returns the number of nodes (with objects) and pods in the cache.
func (c *Cache) Counts() (nodes, pods int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		if n.Node != nil {
			nodes++
		}
	}
	return nodes, len(c.pods)
}

// UpdateSnapshot brings snap up to date, copying only nodes changed since
// snap.Generation. Placeholder nodes (no Node object) are left out. A
// Cache keeps one set of changed nodes, so it must feed a single Snapshot.
func (c *Cache) UpdateSnapshot(snap *state.Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if snap.Generation >= c.generation {
		return
	}
	snap.AntiAffinityPods = c.antiAffinity
	if c.listGen > snap.Generation || len(snap.Nodes) == 0 {
		c.rebuildLocked(snap)
		return
	}
	for name := range c.dirty {
		if n, ok := c.nodes[name]; ok && n.Generation > snap.Generation && n.Node != nil {
			snap.Replace(n.Clone())
		}
	}
	clear(c.dirty)
	snap.Generation = c.generation
}

func (c *Cache) rebuildLocked(snap *state.Snapshot) {
	nodes := make([]*state.NodeInfo, 0, len(c.order))
	for _, name := range c.order {
		n := c.nodes[name]
		if n.Node == nil {
			continue
		}
		if old := snap.Get(name); old != nil && old.Generation == n.Generation {
			nodes = append(nodes, old)
			continue
		}
		nodes = append(nodes, n.Clone())
	}
	snap.SetNodes(nodes)
	snap.Generation = c.generation
	clear(c.dirty)
}
