// Package reviews serves the create-only review APIs: questions about
// identity and permissions that are answered, never stored.
//
//	POST /apis/authentication.k8s.io/v1/selfsubjectreviews        who am I    (kubectl auth whoami)
//	POST /apis/authentication.k8s.io/v1/tokenreviews              whose token is this
//	POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews   may I ...   (kubectl auth can-i)
//	POST /apis/authorization.k8s.io/v1/subjectaccessreviews       may user U ...
//	POST /apis/authorization.k8s.io/v1/namespaces/<ns>/localsubjectaccessreviews
//	POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews    what may I do in ns (can-i --list)
//
// Each answers 201 with the posted object and its status filled in, as
// upstream. Whether the caller may ask at all is decided before, by the
// request authorizer (system:basic-user lets every authenticated user
// create the self* reviews). Access reviews are answered by the same
// authz.Authorizer that guards requests, token reviews by the bearer
// token authenticators, rules reviews by an authz.RuleResolver.
package reviews
