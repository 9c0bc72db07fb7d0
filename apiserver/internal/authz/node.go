package authz

import (
	"context"
	"strings"
)

// PodNode returns the spec.nodeName of a pod, ok false if it does not exist.
type PodNode func(ctx context.Context, namespace, name string) (node string, ok bool)

// NodeRestriction denies a node (user system:node:<n> in system:nodes)
// writes to other nodes' Node and Lease objects and to pods not bound to
// it; everything else it leaves to later authorizers.
type NodeRestriction struct {
	PodNode PodNode
}

var writeVerbs = map[string]bool{"create": true, "update": true, "patch": true, "delete": true, "deletecollection": true}

// Authorize implements Authorizer.
func (z NodeRestriction) Authorize(ctx context.Context, a Attributes) (Decision, string) {
	if a.User == nil || !a.User.InGroup("system:nodes") || !a.ResourceRequest || !writeVerbs[a.Verb] {
		return NoOpinion, ""
	}
	node, ok := strings.CutPrefix(a.User.Name, "system:node:")
	if !ok || node == "" {
		return Deny, "node identity has no node name"
	}
	switch {
	case a.APIGroup == "" && a.Resource == "nodes":
		if a.Verb == "deletecollection" || (a.Name != "" && a.Name != node) {
			return Deny, "node " + quote(node) + " is not allowed to modify node " + quote(a.Name)
		}
	case a.APIGroup == "coordination.k8s.io" && a.Resource == "leases" && a.Namespace == "kube-node-lease":
		if a.Verb == "deletecollection" || (a.Name != "" && a.Name != node) {
			return Deny, "node " + quote(node) + " is not allowed to modify lease " + quote(a.Name)
		}
	case a.APIGroup == "" && a.Resource == "pods" && (a.Subresource == "status" || a.Verb == "delete"):
		if z.PodNode == nil {
			return NoOpinion, ""
		}
		bound, ok := z.PodNode(ctx, a.Namespace, a.Name)
		if ok && bound != node {
			return Deny, "node " + quote(node) + " can only modify pods bound to it"
		}
	}
	return NoOpinion, ""
}

func quote(s string) string { return `"` + s + `"` }
