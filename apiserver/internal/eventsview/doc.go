// Package eventsview serves events.k8s.io/v1 Events as a second view of
// the stored core/v1 Events, as upstream does: one object, two
// group-versions. A create through either is visible through both.
//
//	/apis/events.k8s.io/v1/...events...
//	   │ path → /api/v1/...events...; body events/v1 → core/v1 (ToCore);
//	   │ fieldSelector regarding.* → involvedObject.* (FieldSelector)
//	   ▼
//	core resource server (the next handler; already authorized)
//	   │ objects, lists and watch frames core/v1 → events/v1 (FromCore)
//	   ▼
//	client
//
// Patches are applied here, to the events/v1 form of the stored object,
// and stored with an update that is conditional on the resourceVersion
// read (retried on conflict). Server-side apply is not served.
//
// Vocabulary: "core" is core/v1 (the stored form), "view" is
// events.k8s.io/v1.
package eventsview
