package eventsview

import (
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// noteLengthLimit is upstream's limit on Event.note.
const noteLengthLimit = 1024

// validateCreate applies upstream's strict checks for Events created
// through events.k8s.io/v1 (the stored form's own checks follow in the
// core server).
func validateCreate(e *eventsv1.Event) error {
	var errs field.ErrorList
	if e.EventTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("eventTime"), ""))
	}
	if e.Type != "Normal" && e.Type != "Warning" {
		errs = append(errs, field.Invalid(field.NewPath("type"), e.Type, "has invalid value: "+e.Type))
	}
	if e.ReportingController == "" {
		errs = append(errs, field.Required(field.NewPath("reportingController"), ""))
	} else {
		for _, msg := range validation.IsQualifiedName(e.ReportingController) {
			errs = append(errs, field.Invalid(field.NewPath("reportingController"), e.ReportingController, msg))
		}
	}
	for _, f := range []struct{ name, v string }{{"reportingInstance", e.ReportingInstance}, {"action", e.Action}, {"reason", e.Reason}} {
		switch {
		case f.v == "":
			errs = append(errs, field.Required(field.NewPath(f.name), ""))
		case len(f.v) > 128:
			errs = append(errs, field.TooLong(field.NewPath(f.name), "", 128))
		}
	}
	if len(e.Note) > noteLengthLimit {
		errs = append(errs, field.TooLong(field.NewPath("note"), "", noteLengthLimit))
	}
	errs = append(errs, validateDeprecated(e)...)
	if s := e.Series; s != nil {
		if s.Count < 2 {
			errs = append(errs, field.Invalid(field.NewPath("series", "count"), s.Count, "should be at least 2"))
		}
		if s.LastObservedTime.IsZero() {
			errs = append(errs, field.Required(field.NewPath("series", "lastObservedTime"), ""))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(eventsv1.SchemeGroupVersion.WithKind("Event").GroupKind(), e.Name, errs)
}

// validateDeprecated wants the deprecated fields unset, as upstream does
// for creates through this group-version.
func validateDeprecated(e *eventsv1.Event) field.ErrorList {
	var errs field.ErrorList
	unset := func(name string, isSet bool) {
		if isSet {
			errs = append(errs, field.Invalid(field.NewPath(name), "", "needs to be unset"))
		}
	}
	unset("deprecatedFirstTimestamp", !e.DeprecatedFirstTimestamp.IsZero())
	unset("deprecatedLastTimestamp", !e.DeprecatedLastTimestamp.IsZero())
	unset("deprecatedCount", e.DeprecatedCount != 0)
	unset("deprecatedSource", e.DeprecatedSource.Component != "" || e.DeprecatedSource.Host != "")
	return errs
}
