// Package registry holds the per-resource behaviour the apiserver's
// generic REST handlers apply around storage: defaulting, the
// spec/status split, generation, validation and server-side tables.
//
// One Strategy serves every catalogued resource; what differs per kind
// lives in the subpackages:
//
//	defaults/    upstream v1 defaulting (Apply)
//	validation/  upstream field rules → field.ErrorList (Validate, ValidateUpdate)
//	tables/      kubectl columns and cells (For(resource).Row(obj, now))
//
// The order the server calls a Strategy in:
//
//	create:        (name generated, uid set) → PrepareForCreate → Validate → store
//	update:        PrepareForUpdate(new, old) → ValidateUpdate → store
//	status update: PrepareForStatusUpdate(new, old) → ValidateUpdate → store
//
// Vocabulary: "spec" is every top-level field besides TypeMeta,
// ObjectMeta and Status (so Secret.Data or Role.Rules count as spec);
// generation counts spec changes for the kinds whose controllers report
// observedGeneration.
package registry
