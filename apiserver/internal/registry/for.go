package registry

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/wharfhq/wharf/apiserver/internal/registry/defaults"
	"github.com/wharfhq/wharf/apiserver/internal/registry/tables"
	"github.com/wharfhq/wharf/apiserver/internal/registry/validation"
	"github.com/wharfhq/wharf/proto/api"
)

// Clock tells the time; tables use it for AGE columns.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Options configure a Strategy. The zero value is ready to use.
type Options struct {
	// Clock is the time source for table cells; nil means the wall clock.
	Clock Clock
}

// For returns the strategy of a catalogued resource, with the wall clock.
func For(info *api.Info) Strategy { return New(info, Options{}) }

// New returns the strategy of info's resource configured by opts.
func New(info *api.Info, opts Options) Strategy {
	c := opts.Clock
	if c == nil {
		c = realClock{}
	}
	return &strategy{info: info, clock: c, printer: tables.For(info.Resource)}
}

// strategy is the one Strategy implementation; its fields are set once.
type strategy struct {
	info    *api.Info
	clock   Clock
	printer tables.Printer
}

var _ Strategy = (*strategy)(nil)

func (s *strategy) PrepareForCreate(obj api.Object) {
	defaults.Apply(obj)
	resetStatusOnCreate(obj)
	if tracksGeneration(obj) {
		obj.SetGeneration(1)
	}
	if j, ok := obj.(*batchv1.Job); ok {
		generateJobSelector(j)
	}
}

func (s *strategy) PrepareForUpdate(obj, old api.Object) {
	patchAllocated(obj, old)
	defaults.Apply(obj)
	keepForUpdate(obj, old)
	copyStatus(obj, old)
	obj.SetGeneration(old.GetGeneration())
	if tracksGeneration(obj) && specChanged(obj, old) {
		obj.SetGeneration(old.GetGeneration() + 1)
	}
}

func (s *strategy) PrepareForStatusUpdate(obj, old api.Object) {
	copySpec(obj, old)
	keepForStatusUpdate(obj, old)
	obj.SetGeneration(old.GetGeneration())
}

func (s *strategy) Validate(obj api.Object) field.ErrorList {
	if j, ok := obj.(*batchv1.Job); ok {
		// As upstream: the uid may only be known now.
		generateJobSelector(j)
	}
	return validation.Validate(s.info, obj)
}

func (s *strategy) ValidateUpdate(obj, old api.Object) field.ErrorList {
	return validation.ValidateUpdate(s.info, obj, old)
}

func (s *strategy) TableColumns() []metav1.TableColumnDefinition { return s.printer.Columns }

func (s *strategy) TableRow(obj api.Object) []any { return s.printer.Row(obj, s.clock.Now()) }
