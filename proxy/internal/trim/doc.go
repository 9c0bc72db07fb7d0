// Package trim wraps an informer source so that every object is reduced
// to the fields wharf-proxy reads before the informer caches it. At 10k
// Services and EndpointSlices the decoded objects (timestamps, UIDs,
// selectors, status, target references, managed fields, annotations) are
// a third of the proxy's heap; trimmed, they are a fraction of it.
//
// The informer's cache then holds trimmed objects only: OnUpdate and
// OnDelete see them too, so handlers must not rely on dropped fields.
package trim
