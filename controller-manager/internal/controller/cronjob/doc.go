// Package cronjob is the CronJob controller: it creates a Job from a
// CronJob's template at every time its cron schedule names, honouring
// suspend, startingDeadlineSeconds, concurrencyPolicy and the history
// limits, and keeps status.active and status.lastScheduleTime.
//
//	cronjob/job events, AddAfter(next run), poll ──► queue(key) ──► sync(key)
//	   read:    cronjob + its jobs (listers), now (injected clock)
//	   compute: finished jobs, history to prune, the schedule time due (plan)
//	   write:   delete/create jobs, status
//
// Vocabulary (as upstream):
//
//   - scheduled time: the most recent schedule time after lastScheduleTime
//     (or creation) that is not in the future; older missed times are skipped.
//   - Job name: <cronjob>-<scheduled time in Unix minutes>, so one schedule
//     time never yields two Jobs, even across restarts.
//   - time zone: spec.timeZone, or a CRON_TZ= prefix in the schedule.
package cronjob
