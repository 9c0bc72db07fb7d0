package tables

import (
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/wharfhq/wharf/proto/api"
)

func addBatch(r registry) {
	r.add("jobs", []metav1.TableColumnDefinition{
		nameColumn, col("Status", "string", "Status of the job."),
		col("Completions", "string", batchv1.JobStatus{}.SwaggerDoc()["succeeded"]),
		col("Duration", "string", "Time required to complete the job."), ageColumn,
		containersColumn, imagesColumn, wide("Selector", "string", batchv1.JobSpec{}.SwaggerDoc()["selector"]),
	}, jobRow)
	r.add("cronjobs", []metav1.TableColumnDefinition{
		nameColumn, col("Schedule", "string", batchv1.CronJobSpec{}.SwaggerDoc()["schedule"]),
		col("Timezone", "string", batchv1.CronJobSpec{}.SwaggerDoc()["timeZone"]),
		col("Suspend", "boolean", batchv1.CronJobSpec{}.SwaggerDoc()["suspend"]),
		col("Active", "integer", batchv1.CronJobStatus{}.SwaggerDoc()["active"]),
		col("Last Schedule", "string", batchv1.CronJobStatus{}.SwaggerDoc()["lastScheduleTime"]), ageColumn,
		containersColumn, imagesColumn, wide("Selector", "string", batchv1.JobSpec{}.SwaggerDoc()["selector"]),
	}, cronJobRow)
	r.add("events", []metav1.TableColumnDefinition{
		col("Last Seen", "string", corev1.Event{}.SwaggerDoc()["lastTimestamp"]),
		col("Type", "string", corev1.Event{}.SwaggerDoc()["type"]),
		col("Reason", "string", corev1.Event{}.SwaggerDoc()["reason"]),
		col("Object", "string", corev1.Event{}.SwaggerDoc()["involvedObject"]),
		wide("Subobject", "string", corev1.ObjectReference{}.SwaggerDoc()["fieldPath"]),
		wide("Source", "string", corev1.Event{}.SwaggerDoc()["source"]),
		col("Message", "string", corev1.Event{}.SwaggerDoc()["message"]),
		wide("First Seen", "string", corev1.Event{}.SwaggerDoc()["firstTimestamp"]),
		wide("Count", "string", corev1.Event{}.SwaggerDoc()["count"]),
		{Name: "Name", Type: "string", Format: "name", Priority: 1, Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	}, eventRow)
	r.add("endpointslices", []metav1.TableColumnDefinition{
		nameColumn, col("AddressType", "string", discoveryv1.EndpointSlice{}.SwaggerDoc()["addressType"]),
		col("Ports", "string", discoveryv1.EndpointSlice{}.SwaggerDoc()["ports"]),
		col("Endpoints", "string", discoveryv1.EndpointSlice{}.SwaggerDoc()["endpoints"]), ageColumn,
	}, endpointSliceRow)
}

func jobRow(obj api.Object, now time.Time) []any {
	j := obj.(*batchv1.Job)
	var completions string
	switch {
	case j.Spec.Completions != nil:
		completions = fmt.Sprintf("%d/%d", j.Status.Succeeded, *j.Spec.Completions)
	case deref(j.Spec.Parallelism) > 1:
		completions = fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, *j.Spec.Parallelism)
	default:
		completions = fmt.Sprintf("%d/1", j.Status.Succeeded)
	}
	var dur string
	switch {
	case j.Status.StartTime == nil:
	case j.Status.CompletionTime == nil:
		dur = duration.HumanDuration(now.Sub(j.Status.StartTime.Time))
	default:
		dur = duration.HumanDuration(j.Status.CompletionTime.Sub(j.Status.StartTime.Time))
	}
	names, images := containerCells(j.Spec.Template.Spec.Containers)
	return []any{j.Name, jobStatus(j), completions, dur, age(j.CreationTimestamp, now), names, images, selectorString(j.Spec.Selector)}
}

func jobStatus(j *batchv1.Job) string {
	has := func(t batchv1.JobConditionType) bool {
		for _, c := range j.Status.Conditions {
			if c.Type == t && c.Status == corev1.ConditionTrue {
				return true
			}
		}
		return false
	}
	switch {
	case has(batchv1.JobComplete):
		return "Complete"
	case has(batchv1.JobFailed):
		return "Failed"
	case j.DeletionTimestamp != nil:
		return "Terminating"
	case has(batchv1.JobSuspended):
		return "Suspended"
	case has(batchv1.JobFailureTarget):
		return "FailureTarget"
	case has(batchv1.JobSuccessCriteriaMet):
		return "SuccessCriteriaMet"
	}
	return "Running"
}

func cronJobRow(obj api.Object, now time.Time) []any {
	c := obj.(*batchv1.CronJob)
	last := "<none>"
	if c.Status.LastScheduleTime != nil {
		last = age(*c.Status.LastScheduleTime, now)
	}
	tz := "<none>"
	if c.Spec.TimeZone != nil {
		tz = *c.Spec.TimeZone
	}
	suspend := "<unset>"
	if c.Spec.Suspend != nil {
		suspend = "False"
		if *c.Spec.Suspend {
			suspend = "True"
		}
	}
	names, images := containerCells(c.Spec.JobTemplate.Spec.Template.Spec.Containers)
	return []any{c.Name, c.Spec.Schedule, tz, suspend, int64(len(c.Status.Active)), last, age(c.CreationTimestamp, now),
		names, images, selectorString(c.Spec.JobTemplate.Spec.Selector)}
}

func eventRow(obj api.Object, now time.Time) []any {
	e := obj.(*corev1.Event)
	first := age(e.FirstTimestamp, now)
	if e.FirstTimestamp.IsZero() {
		first = microAge(e.EventTime, now)
	}
	last := age(e.LastTimestamp, now)
	if e.LastTimestamp.IsZero() {
		last = first
	}
	count := e.Count
	if e.Series != nil {
		last = microAge(e.Series.LastObservedTime, now)
		count = e.Series.Count
	} else if count == 0 {
		count = 1
	}
	target := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		target += "/" + e.InvolvedObject.Name
	}
	return []any{last, e.Type, e.Reason, target, e.InvolvedObject.FieldPath,
		eventSource(e), strings.TrimSpace(e.Message), first, int64(count), e.Name}
}

func eventSource(e *corev1.Event) string {
	first := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	component := first(e.Source.Component, e.ReportingController)
	instance := first(e.Source.Host, e.ReportingInstance)
	if instance == "" {
		return component
	}
	return component + ", " + instance
}

func endpointSliceRow(obj api.Object, now time.Time) []any {
	s := obj.(*discoveryv1.EndpointSlice)
	ports := make([]string, 0, len(s.Ports))
	for _, p := range s.Ports {
		switch {
		case p.Port != nil:
			ports = append(ports, itoa(int(*p.Port)))
		case p.Name != nil:
			ports = append(ports, *p.Name)
		default:
			ports = append(ports, "*")
		}
	}
	var addrs []string
	for _, e := range s.Endpoints {
		addrs = append(addrs, e.Addresses...)
	}
	return []any{s.Name, string(s.AddressType), listWithMore(ports, len(ports), "<unset>"),
		listWithMore(addrs, len(addrs), "<unset>"), age(s.CreationTimestamp, now)}
}
