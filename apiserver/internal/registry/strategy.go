package registry

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/wharfhq/wharf/proto/api"
)

// Strategy is the per-resource behaviour the generic REST handlers apply
// around storage: defaulting, validation, the spec/status split and the
// server-side Table columns. Implementations must not keep state.
type Strategy interface {
	// PrepareForCreate resets what a client may not set on create (status
	// for most resources, generation = 1) and applies defaults.
	PrepareForCreate(obj api.Object)
	// PrepareForUpdate is called for writes to the main resource: it
	// keeps old's status, applies defaults and bumps generation when
	// the spec changed.
	PrepareForUpdate(obj, old api.Object)
	// PrepareForStatusUpdate is called for writes to the status
	// subresource: everything but status (and metadata labels/annotations
	// as upstream) is taken from old.
	PrepareForStatusUpdate(obj, old api.Object)
	// Validate checks a new object; ValidateUpdate checks an update,
	// including immutable fields.
	Validate(obj api.Object) field.ErrorList
	ValidateUpdate(obj, old api.Object) field.ErrorList
	// TableColumns are the columns of the server-side Table for this
	// resource (upstream's, with Priority 1 for the -o wide ones);
	// TableRow returns the cells for one object, in column order.
	TableColumns() []metav1.TableColumnDefinition
	TableRow(obj api.Object) []any
}
