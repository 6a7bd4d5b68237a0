package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// store keeps job runs in ClickHouse (table job_runs, migration 0009).
type store struct {
	conn driver.Conn
}

// The explicit column list: 18.16 answers a column-less native INSERT with
// an empty header (clickhouse-compat.md §1).
const insertRun = `INSERT INTO job_runs (job, run_id, trigger, instance, started, started_ns,
	finished, finished_ns, status, error, summary)`

// record writes one finished (or skipped) run.
func (s *store) record(ctx context.Context, r Run) error {
	b, err := s.conn.PrepareBatch(ctx, insertRun)
	if err != nil {
		return fmt.Errorf("cannot record run %s of job %s: %w", r.ID, r.Job, err)
	}
	defer b.Close()
	err = b.Append(r.Job, r.ID, string(r.Trigger), r.Instance, r.Started.UTC(), uint32(r.Started.Nanosecond()),
		r.Finished.UTC(), uint32(r.Finished.Nanosecond()), string(r.Status), r.Error, r.Summary)
	if err == nil {
		err = b.Send()
	}
	if err != nil {
		return fmt.Errorf("cannot record run %s of job %s: %w", r.ID, r.Job, err)
	}
	return nil
}

// lastRuns returns the latest run of each of jobs that did run (skipped
// ticks are not runs), by job name.
func (s *store) lastRuns(ctx context.Context, jobs []string) (map[string]Run, error) {
	rows, err := s.conn.Query(ctx, `SELECT job, run_id, toString(trigger), instance, started, started_ns,
			finished, finished_ns, toString(status), error, summary
		FROM job_runs
		WHERE has(?, job) AND status != 'skipped'
		ORDER BY job, started DESC, started_ns DESC
		LIMIT 1 BY job`, jobs)
	if err != nil {
		return nil, fmt.Errorf("cannot read the last job runs: %w", err)
	}
	defer rows.Close()
	out := map[string]Run{}
	for rows.Next() {
		var r Run
		var trigger, status string
		var startedNs, finishedNs uint32
		if err := rows.Scan(&r.Job, &r.ID, &trigger, &r.Instance, &r.Started, &startedNs,
			&r.Finished, &finishedNs, &status, &r.Error, &r.Summary); err != nil {
			return nil, fmt.Errorf("cannot scan a job run: %w", err)
		}
		r.Trigger, r.Status = Trigger(trigger), Status(status)
		r.Started = withNanos(r.Started, startedNs)
		r.Finished = withNanos(r.Finished, finishedNs)
		out[r.Job] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the last job runs: %w", err)
	}
	return out, nil
}

// lastSuccesses returns when each of jobs last finished with status ok, to
// the second (the gauge it restores is read in seconds).
func (s *store) lastSuccesses(ctx context.Context, jobs []string) (map[string]time.Time, error) {
	rows, err := s.conn.Query(ctx, `SELECT job, max(finished) AS last
		FROM job_runs WHERE has(?, job) AND status = 'ok' GROUP BY job`, jobs)
	if err != nil {
		return nil, fmt.Errorf("cannot read the last job successes: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var job string
		var t time.Time
		if err := rows.Scan(&job, &t); err != nil {
			return nil, fmt.Errorf("cannot scan a job success: %w", err)
		}
		out[job] = t.UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the last job successes: %w", err)
	}
	return out, nil
}

func withNanos(t time.Time, ns uint32) time.Time {
	return t.UTC().Add(time.Duration(ns))
}
