package validation

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones for CronJob timeZone, whatever the host has

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const maxCronJobNameLength = 52

var (
	jobRestartPolicies  = []string{string(corev1.RestartPolicyOnFailure), string(corev1.RestartPolicyNever)}
	completionModes     = []string{string(batchv1.NonIndexedCompletion), string(batchv1.IndexedCompletion)}
	concurrencyPolicies = []string{string(batchv1.AllowConcurrent), string(batchv1.ForbidConcurrent), string(batchv1.ReplaceConcurrent)}
	timeZoneChars       = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)
)

// Job validates a job: its selector (generated unless manualSelector)
// must match the template labels.
func Job(j *batchv1.Job) field.ErrorList {
	errs := labelSelector(j.Spec.Selector, j.Spec.Template.Labels, "job")
	return append(errs, jobSpec(&j.Spec, specPath)...)
}

// jobSpec validates the selector-independent parts of a job spec.
func jobSpec(sp *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	errs := optNonNegative(sp.Parallelism, fldPath.Child("parallelism"))
	errs = append(errs, optNonNegative(sp.Completions, fldPath.Child("completions"))...)
	errs = append(errs, optNonNegative(sp.BackoffLimit, fldPath.Child("backoffLimit"))...)
	errs = append(errs, optNonNegative(sp.TTLSecondsAfterFinished, fldPath.Child("ttlSecondsAfterFinished"))...)
	if v := sp.ActiveDeadlineSeconds; v != nil && *v <= 0 {
		errs = append(errs, field.Invalid(fldPath.Child("activeDeadlineSeconds"), *v, "must be greater than 0"))
	}
	if m := sp.CompletionMode; m != nil {
		errs = append(errs, enum(string(*m), completionModes, fldPath.Child("completionMode"))...)
		if *m == batchv1.IndexedCompletion && sp.Completions == nil {
			errs = append(errs, field.Required(fldPath.Child("completions"), "when completion mode is Indexed"))
		}
	}
	tp := fldPath.Child("template")
	errs = append(errs, PodTemplateSpec(&sp.Template, tp)...)
	if rp := sp.Template.Spec.RestartPolicy; rp != corev1.RestartPolicyOnFailure && rp != corev1.RestartPolicyNever {
		errs = append(errs, field.NotSupported(tp.Child("spec", "restartPolicy"), rp, jobRestartPolicies))
	}
	return errs
}

// JobUpdate: selector, template (unless the job is suspended),
// completions and completionMode are immutable.
func JobUpdate(j, old *batchv1.Job) field.ErrorList {
	errs := immutable(j.Spec.Selector, old.Spec.Selector, specPath.Child("selector"))
	errs = append(errs, immutable(j.Spec.Completions, old.Spec.Completions, specPath.Child("completions"))...)
	errs = append(errs, immutable(j.Spec.CompletionMode, old.Spec.CompletionMode, specPath.Child("completionMode"))...)
	errs = append(errs, immutable(j.Spec.PodFailurePolicy, old.Spec.PodFailurePolicy, specPath.Child("podFailurePolicy"))...)
	suspended := old.Spec.Suspend != nil && *old.Spec.Suspend && old.Status.StartTime == nil
	if !suspended {
		errs = append(errs, immutable(j.Spec.Template, old.Spec.Template, specPath.Child("template"))...)
	}
	return errs
}

// CronJob validates a cron job: name length, schedule, time zone,
// concurrency policy and the job template.
func CronJob(c *batchv1.CronJob) field.ErrorList {
	var errs field.ErrorList
	if len(c.Name) > maxCronJobNameLength {
		errs = append(errs, field.Invalid(metaPath.Child("name"), c.Name, fmt.Sprintf("must be no more than %d characters", maxCronJobNameLength)))
	}
	sp := &c.Spec
	if sp.Schedule == "" {
		errs = append(errs, field.Required(specPath.Child("schedule"), ""))
	} else {
		errs = append(errs, schedule(sp.Schedule, specPath.Child("schedule"))...)
	}
	errs = append(errs, optNonNegative(sp.StartingDeadlineSeconds, specPath.Child("startingDeadlineSeconds"))...)
	errs = append(errs, timeZone(sp.TimeZone, specPath.Child("timeZone"))...)
	errs = append(errs, enumRequired(string(sp.ConcurrencyPolicy), concurrencyPolicies, specPath.Child("concurrencyPolicy"))...)
	errs = append(errs, optNonNegative(sp.SuccessfulJobsHistoryLimit, specPath.Child("successfulJobsHistoryLimit"))...)
	errs = append(errs, optNonNegative(sp.FailedJobsHistoryLimit, specPath.Child("failedJobsHistoryLimit"))...)
	jp := specPath.Child("jobTemplate", "spec")
	errs = append(errs, jobSpec(&sp.JobTemplate.Spec, jp)...)
	if sp.JobTemplate.Spec.Selector != nil {
		errs = append(errs, field.Invalid(jp.Child("selector"), sp.JobTemplate.Spec.Selector, "`selector` will be auto-generated"))
	}
	if m := sp.JobTemplate.Spec.ManualSelector; m != nil && *m {
		errs = append(errs, field.NotSupported(jp.Child("manualSelector"), *m, []string{"nil", "false"}))
	}
	return errs
}

// schedule parses a standard cron expression (5 fields or a descriptor
// such as @hourly or @every 1h); time zones belong in spec.timeZone.
func schedule(s string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if _, err := cron.ParseStandard(s); err != nil {
		errs = append(errs, field.Invalid(fldPath, s, err.Error()))
	}
	if strings.Contains(s, "TZ") {
		errs = append(errs, field.Invalid(fldPath, s, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
	}
	return errs
}

func timeZone(tz *string, fldPath *field.Path) field.ErrorList {
	if tz == nil {
		return nil
	}
	if *tz == "" {
		return field.ErrorList{field.Invalid(fldPath, *tz, "timeZone must be nil or non-empty string")}
	}
	for _, part := range strings.Split(*tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !timeZoneChars.MatchString(part) {
			return field.ErrorList{field.Invalid(fldPath, *tz, "unknown time zone "+*tz)}
		}
	}
	if strings.EqualFold(*tz, "Local") {
		return field.ErrorList{field.Invalid(fldPath, *tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")}
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		return field.ErrorList{field.Invalid(fldPath, *tz, err.Error())}
	}
	return nil
}
