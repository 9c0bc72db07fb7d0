// Package validation checks API objects the way upstream Kubernetes'
// pkg/apis/*/validation does, returning field.ErrorLists with upstream's
// field paths ("spec.containers[0].image") and messages, so clients see
// the same 422 Invalid causes they would from a kube-apiserver.
//
// Objects are validated after defaulting. Validate covers creation;
// ValidateUpdate re-validates the new object and adds the update-only
// rules (immutable fields). Neither panics on client input.
//
//	Validate(info, obj)          = metadata(name rule of the kind) + kind rules
//	ValidateUpdate(info, n, o)   = metadata update + kind rules + immutability
//
// What we skip on purpose: nodePort ranges and clusterIP ranges (the
// allocators own those), feature-gated fields, and most status rules.
package validation
