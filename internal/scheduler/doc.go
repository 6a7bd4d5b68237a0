// Package scheduler runs faascope's periodic jobs (keep-warm recommendations,
// alert evaluation, monthly reports, retention) on cron schedules, in the one
// process that has the scheduler role.
//
// The guarantees, job by job:
//
//   - never two runs at once: a tick that comes while the previous run is
//     still going is skipped and recorded as "skipped"; RunNow answers
//     ErrRunning;
//   - every run has a deadline (Job.Timeout, overridable in the config): its
//     context is cancelled then, and a run that ends because of it is
//     "timeout";
//   - a panic in a job is recovered and recorded as "panic" with a stack
//     summary; the scheduler goes on;
//   - every run is recorded in ClickHouse (table job_runs, migration 0009)
//     with start, end, status, error and the job's summary, and counted on
//     /metrics (faascope_job_*). A failed write is logged and counted, never
//     fatal: the job's work is done either way.
//
// Lifecycle: New (no I/O), Register each job, Start (checks the config
// against the registered jobs, loads each job's last run from ClickHouse so
// a restart still shows it, starts the cron loop), Shutdown (stops ticking,
// cancels running jobs' contexts and waits for them up to its context).
//
// Schedules use the standard 5-field cron syntax or descriptors (@hourly,
// @daily, @every 15m), evaluated in UTC like every other time in faascope.
package scheduler
