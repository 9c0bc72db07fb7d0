package cronjob

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ptr[T any](v T) *T { return &v }

func cronJob(schedule string, created time.Time) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "cj", CreationTimestamp: metav1.NewTime(created)},
		Spec:       batchv1.CronJobSpec{Schedule: schedule},
	}
}

func mustParse(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDueTime(t *testing.T) {
	created := mustParse(t, "2026-01-01T00:00:30Z")
	for _, tc := range []struct {
		name     string
		schedule string
		tz       string
		last     string
		sds      *int64
		now      string
		due      string // "" = nothing due
		missed   int
		next     string
	}{
		{"nothing yet", "* * * * *", "", "", nil, "2026-01-01T00:00:59Z", "", 0, "2026-01-01T00:01:00Z"},
		{"first minute", "* * * * *", "", "", nil, "2026-01-01T00:01:05Z", "2026-01-01T00:01:00Z", 1, "2026-01-01T00:02:00Z"},
		{"after last", "*/5 * * * *", "", "2026-01-01T00:05:00Z", nil, "2026-01-01T00:09:59Z", "", 0, "2026-01-01T00:10:00Z"},
		{"missed several", "*/5 * * * *", "", "2026-01-01T00:05:00Z", nil, "2026-01-01T00:21:00Z", "2026-01-01T00:20:00Z", 3, "2026-01-01T00:25:00Z"},
		{"starting deadline skips old", "*/5 * * * *", "", "2026-01-01T00:05:00Z", ptr[int64](30), "2026-01-01T00:21:00Z", "", 0, "2026-01-01T00:25:00Z"},
		{"starting deadline keeps recent", "*/5 * * * *", "", "2026-01-01T00:05:00Z", ptr[int64](90), "2026-01-01T00:21:00Z", "2026-01-01T00:20:00Z", 1, "2026-01-01T00:25:00Z"},
		{"time zone", "0 9 * * *", "America/New_York", "", nil, "2026-01-01T14:30:00Z", "2026-01-01T14:00:00Z", 1, "2026-01-02T14:00:00Z"},
		{"CRON_TZ prefix", "CRON_TZ=Asia/Tokyo 0 9 * * *", "", "", nil, "2026-01-02T00:30:00Z", "2026-01-02T00:00:00Z", 1, "2026-01-03T00:00:00Z"},
		{"too many missed", "* * * * *", "", "", nil, "2026-01-02T00:00:30Z", "2026-01-02T00:00:00Z", maxMissed + 1, "2026-01-02T00:01:00Z"},
	} {
		cj := cronJob(tc.schedule, created)
		if tc.tz != "" {
			cj.Spec.TimeZone = &tc.tz
		}
		if tc.last != "" {
			l := metav1.NewTime(mustParse(t, tc.last))
			cj.Status.LastScheduleTime = &l
		}
		cj.Spec.StartingDeadlineSeconds = tc.sds
		sched, err := parseSchedule(cj)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		due, missed, next := dueTime(cj, sched, mustParse(t, tc.now))
		got := ""
		if due != nil {
			got = due.UTC().Format(time.RFC3339)
		}
		if got != tc.due || missed != tc.missed || !next.Equal(mustParse(t, tc.next)) {
			t.Errorf("%s: due %q missed %d next %v; want %q %d %s", tc.name, got, missed, next.UTC(), tc.due, tc.missed, tc.next)
		}
	}
}

func TestParseScheduleErrors(t *testing.T) {
	for _, tc := range []struct{ schedule, tz string }{
		{"not a schedule", ""},
		{"* * * *", ""},
		{"* * * * *", "Mars/Olympus"},
		{"CRON_TZ=UTC * * * * *", "UTC"},
	} {
		cj := cronJob(tc.schedule, time.Now())
		if tc.tz != "" {
			cj.Spec.TimeZone = &tc.tz
		}
		if _, err := parseSchedule(cj); err == nil {
			t.Errorf("schedule %q tz %q: want an error", tc.schedule, tc.tz)
		}
	}
}

func TestJobNameIsUnixMinutes(t *testing.T) {
	cj := cronJob("* * * * *", time.Now())
	if got := jobName(cj, mustParse(t, "2026-01-01T00:01:00Z")); got != "cj-29453761" {
		t.Fatalf("job name %s", got)
	}
}

func TestHistoryToPrune(t *testing.T) {
	job := func(name string, cond batchv1.JobConditionType, start int64) *batchv1.Job {
		st := metav1.Unix(start, 0)
		return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: batchv1.JobStatus{StartTime: &st,
			Conditions: []batchv1.JobCondition{{Type: cond, Status: "True"}}}}
	}
	cj := cronJob("* * * * *", time.Now())
	cj.Spec.SuccessfulJobsHistoryLimit, cj.Spec.FailedJobsHistoryLimit = ptr[int32](1), ptr[int32](0)
	got := historyToPrune(cj, []*batchv1.Job{job("ok2", batchv1.JobComplete, 20), job("ok1", batchv1.JobComplete, 10),
		job("bad", batchv1.JobFailed, 5), job("running", "", 30)})
	if len(got) != 2 || got[0].Name != "ok1" || got[1].Name != "bad" {
		t.Fatalf("pruned %v", got)
	}
	// Equal start times (second precision): the earlier name goes.
	got = historyToPrune(cj, []*batchv1.Job{job("cj-2", batchv1.JobComplete, 10), job("cj-1", batchv1.JobComplete, 10)})
	if len(got) != 1 || got[0].Name != "cj-1" {
		t.Fatalf("tie: pruned %v", got)
	}
}
