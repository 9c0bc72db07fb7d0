package cronjob

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
)

// maxMissed bounds how many missed schedule times are walked; beyond it
// the CronJob is reported (TooManyMissedTimes) and the latest time used.
const maxMissed = 100

// parseSchedule parses spec.schedule in spec.timeZone (robfig/cron's
// standard five-field syntax and descriptors such as @hourly).
func parseSchedule(cj *batchv1.CronJob) (cron.Schedule, error) {
	spec := cj.Spec.Schedule
	if tz := cj.Spec.TimeZone; tz != nil && *tz != "" {
		if strings.Contains(spec, "TZ=") {
			return nil, fmt.Errorf("schedule %q names a time zone and spec.timeZone is set", spec)
		}
		if _, err := time.LoadLocation(*tz); err != nil {
			return nil, fmt.Errorf("unknown time zone %q: %w", *tz, err)
		}
		spec = "CRON_TZ=" + *tz + " " + spec
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("unparseable schedule %q: %w", cj.Spec.Schedule, err)
	}
	return s, nil
}

// dueTime returns the most recent schedule time in (earliest, now], the
// number of times in that window (capped at maxMissed+1) and the next
// time after now. earliest is the last schedule time (or creation),
// raised to now-startingDeadlineSeconds when that is set.
func dueTime(cj *batchv1.CronJob, sched cron.Schedule, now time.Time) (due *time.Time, missed int, next time.Time) {
	earliest := cj.CreationTimestamp.Time
	if cj.Status.LastScheduleTime != nil {
		earliest = cj.Status.LastScheduleTime.Time
	}
	if sds := cj.Spec.StartingDeadlineSeconds; sds != nil {
		if floor := now.Add(-time.Duration(*sds) * time.Second); floor.After(earliest) {
			earliest = floor
		}
	}
	next = sched.Next(now)
	for t := sched.Next(earliest); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		missed++
		tt := t
		due = &tt
		if missed > maxMissed {
			latest := latestBefore(sched, t, now)
			return &latest, missed, next
		}
	}
	return due, missed, next
}

// jobName is upstream's name for the Job of one schedule time.
func jobName(cj *batchv1.CronJob, scheduled time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, scheduled.Unix()/60)
}

// latestBefore finds the last schedule time in (from, now] by searching
// windows ending at now of growing size, so that a long outage is not
// walked minute by minute.
func latestBefore(sched cron.Schedule, from, now time.Time) time.Time {
	for _, w := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour, 31 * 24 * time.Hour, 366 * 24 * time.Hour} {
		start := now.Add(-w)
		if start.Before(from) {
			start = from
		}
		var last time.Time
		for t := sched.Next(start); !t.IsZero() && !t.After(now); t = sched.Next(t) {
			last = t
		}
		if !last.IsZero() {
			return last
		}
	}
	return from
}
