// Package admission holds the apiserver's admission plugins. They run
// after validation, right before a write is stored, in this order:
//
//	ServiceAccount  pods get spec.serviceAccountName "default" and a projected
//	                kube-api-access-<x> token volume mounted in every container
//	LimitRanger     Container defaults and min/max from the namespace's LimitRanges
//	ResourceQuota   refuses creates that would exceed a ResourceQuota's hard limits
//
// (NamespaceLifecycle lives in the server: no creates in terminating
// namespaces.) A plugin may return a finish callback that the server calls
// once the write was stored or given up; ResourceQuota holds a per-namespace
// lock until then so two creates in one apiserver cannot both slip under a
// limit.
package admission
