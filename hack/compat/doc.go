// Package compat holds compatibility tests that drive a Wharf apiserver with
// upstream k8s.io/client-go: the typed clientset, shared informers, watches
// resumed across an apiserver restart, patches, status subresources,
// discovery and error predicates. They pass against a real kube-apiserver,
// and must pass against Wharf unchanged.
//
// client-go is a test-only dependency: it appears only in _test.go files.
// The package has no non-test code.
package compat
