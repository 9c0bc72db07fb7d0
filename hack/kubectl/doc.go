// Package kubectl holds compatibility tests that build upstream kubectl from
// source (hack/tools/kubectl, k8s.io/kubectl) and drive a Wharf apiserver
// with it: get, api-resources, create -f (with client-side validation
// against the served OpenAPI), apply -f, get -w, delete -f. Outputs are
// compared on what a person reads: table columns, names, verbs' messages.
//
// The package has no non-test code.
package kubectl
