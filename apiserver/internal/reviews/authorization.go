package reviews

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	authzv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
	"github.com/wharfhq/wharf/apiserver/internal/authz"
	"github.com/wharfhq/wharf/apiserver/internal/wire"
)

// selfSubjectAccessReview answers "may I": the caller's request
// attributes through the authorizer.
func (h *Handler) selfSubjectAccessReview(w http.ResponseWriter, r *http.Request) {
	u, ok := caller(w, r)
	if !ok {
		return
	}
	var rev authzv1.SelfSubjectAccessReview
	gvk := authzv1.SchemeGroupVersion.WithKind("SelfSubjectAccessReview")
	if err := h.cfg.Codec.Decode(w, r, gvk, &rev); err != nil {
		wire.WriteError(w, err)
		return
	}
	spec := rev.Spec
	if errs := validateAttributes(spec.ResourceAttributes, spec.NonResourceAttributes, field.NewPath("spec")); len(errs) > 0 {
		wire.WriteError(w, apierrors.NewInvalid(gvk.GroupKind(), "", errs))
		return
	}
	rev.Status = h.decide(r, attributes(u, spec.ResourceAttributes, spec.NonResourceAttributes))
	wire.WriteObject(w, http.StatusCreated, &rev)
}

// subjectAccessReview answers "may user U" for the user in spec.
func (h *Handler) subjectAccessReview(w http.ResponseWriter, r *http.Request) {
	var rev authzv1.SubjectAccessReview
	gvk := authzv1.SchemeGroupVersion.WithKind("SubjectAccessReview")
	if err := h.cfg.Codec.Decode(w, r, gvk, &rev); err != nil {
		wire.WriteError(w, err)
		return
	}
	if errs := validateSpec(&rev.Spec); len(errs) > 0 {
		wire.WriteError(w, apierrors.NewInvalid(gvk.GroupKind(), "", errs))
		return
	}
	rev.Status = h.decide(r, attributes(subject(&rev.Spec), rev.Spec.ResourceAttributes, rev.Spec.NonResourceAttributes))
	wire.WriteObject(w, http.StatusCreated, &rev)
}

// localSubjectAccessReview is subjectAccessReview confined to the URL's
// namespace: resource attributes only, in that namespace.
func (h *Handler) localSubjectAccessReview(w http.ResponseWriter, r *http.Request) {
	ns := chi.URLParam(r, "ns")
	var rev authzv1.LocalSubjectAccessReview
	gvk := authzv1.SchemeGroupVersion.WithKind("LocalSubjectAccessReview")
	if err := h.cfg.Codec.Decode(w, r, gvk, &rev); err != nil {
		wire.WriteError(w, err)
		return
	}
	switch {
	case rev.Namespace == "":
		rev.Namespace = ns
	case rev.Namespace != ns:
		wire.WriteError(w, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request"))
		return
	}
	errs := validateSpec(&rev.Spec)
	spec := field.NewPath("spec")
	if rev.Spec.NonResourceAttributes != nil {
		errs = append(errs, field.Invalid(spec.Child("nonResourceAttributes"), rev.Spec.NonResourceAttributes, "disallowed on this kind of request"))
	}
	if ra := rev.Spec.ResourceAttributes; ra != nil && ra.Namespace != rev.Namespace {
		errs = append(errs, field.Invalid(spec.Child("resourceAttributes", "namespace"), ra.Namespace, "must match metadata.namespace"))
	}
	if len(errs) > 0 {
		wire.WriteError(w, apierrors.NewInvalid(gvk.GroupKind(), "", errs))
		return
	}
	rev.Status = h.decide(r, attributes(subject(&rev.Spec), rev.Spec.ResourceAttributes, nil))
	wire.WriteObject(w, http.StatusCreated, &rev)
}

// selfSubjectRulesReview lists what the caller may do in spec.namespace.
func (h *Handler) selfSubjectRulesReview(w http.ResponseWriter, r *http.Request) {
	u, ok := caller(w, r)
	if !ok {
		return
	}
	var rev authzv1.SelfSubjectRulesReview
	if err := h.cfg.Codec.Decode(w, r, authzv1.SchemeGroupVersion.WithKind("SelfSubjectRulesReview"), &rev); err != nil {
		wire.WriteError(w, err)
		return
	}
	if rev.Spec.Namespace == "" {
		wire.WriteError(w, apierrors.NewBadRequest("no namespace on request"))
		return
	}
	rev.Status = h.rules(u, rev.Spec.Namespace)
	wire.WriteObject(w, http.StatusCreated, &rev)
}

// decide asks the authorizer, reporting as upstream: allowed for Allow,
// denied for Deny, neither for NoOpinion.
func (h *Handler) decide(r *http.Request, a authz.Attributes) authzv1.SubjectAccessReviewStatus {
	d, why := h.cfg.Authorizer.Authorize(r.Context(), a)
	return authzv1.SubjectAccessReviewStatus{Allowed: d == authz.Allow, Denied: d == authz.Deny, Reason: why}
}

// attributes are the authorizer's view of a review's spec.
func attributes(u *authn.User, ra *authzv1.ResourceAttributes, nra *authzv1.NonResourceAttributes) authz.Attributes {
	if ra == nil {
		return authz.Attributes{User: u, Verb: nra.Verb, Path: nra.Path}
	}
	return authz.Attributes{
		User: u, Verb: ra.Verb, ResourceRequest: true,
		APIGroup: ra.Group, APIVersion: ra.Version, Resource: ra.Resource, Subresource: ra.Subresource,
		Namespace: ra.Namespace, Name: ra.Name,
	}
}

// subject is the user a (Local)SubjectAccessReview asks about. Unlike a
// request's user it gets no implicit groups, as upstream.
func subject(spec *authzv1.SubjectAccessReviewSpec) *authn.User {
	return &authn.User{Name: spec.User, UID: spec.UID, Groups: spec.Groups}
}

func validateSpec(spec *authzv1.SubjectAccessReviewSpec) field.ErrorList {
	p := field.NewPath("spec")
	errs := validateAttributes(spec.ResourceAttributes, spec.NonResourceAttributes, p)
	if spec.User == "" && len(spec.Groups) == 0 {
		errs = append(errs, field.Invalid(p.Child("user"), spec.User, "at least one of user or group must be specified"))
	}
	return errs
}

// validateAttributes wants exactly one of the two attribute kinds.
func validateAttributes(ra *authzv1.ResourceAttributes, nra *authzv1.NonResourceAttributes, p *field.Path) field.ErrorList {
	switch {
	case ra == nil && nra == nil:
		return field.ErrorList{field.Required(p.Child("resourceAttributes"), "exactly one of nonResourceAttributes or resourceAttributes must be specified")}
	case ra != nil && nra != nil:
		return field.ErrorList{field.Invalid(p.Child("nonResourceAttributes"), nra, "cannot be specified in combination with resourceAttributes")}
	}
	return nil
}

// rules converts the resolver's policy rules into a rules review status.
func (h *Handler) rules(u *authn.User, ns string) authzv1.SubjectRulesReviewStatus {
	st := authzv1.SubjectRulesReviewStatus{ResourceRules: []authzv1.ResourceRule{}, NonResourceRules: []authzv1.NonResourceRule{}}
	if h.cfg.Rules == nil {
		st.Incomplete, st.EvaluationError = true, "no rule resolver configured"
		return st
	}
	rules, incomplete := h.cfg.Rules.RulesFor(u, ns)
	st.Incomplete = incomplete
	for _, pr := range rules {
		if len(pr.Resources) > 0 {
			st.ResourceRules = append(st.ResourceRules, authzv1.ResourceRule{
				Verbs: pr.Verbs, APIGroups: pr.APIGroups, Resources: pr.Resources, ResourceNames: pr.ResourceNames})
		}
		if len(pr.NonResourceURLs) > 0 {
			st.NonResourceRules = append(st.NonResourceRules, authzv1.NonResourceRule{Verbs: pr.Verbs, NonResourceURLs: pr.NonResourceURLs})
		}
	}
	return st
}
