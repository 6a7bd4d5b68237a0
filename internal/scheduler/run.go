package scheduler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"
)

// tick is a scheduled run: it runs in the cron library's goroutine.
func (s *Scheduler) tick(e *entry) {
	run, err := s.begin(e, TriggerSchedule)
	switch {
	case errors.Is(err, ErrRunning):
		s.skip(e, err)
	case err == nil:
		s.execute(e, run)
	}
}

// begin marks e running and returns its new run; ErrRunning (with the run in
// progress) keeps two runs of one job from ever overlapping, whatever
// started them.
func (s *Scheduler) begin(e *entry, trigger Trigger) (Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.state != stateStarted:
		return Run{}, ErrStopped
	case e.running != nil:
		r := e.running
		return Run{}, fmt.Errorf("%w: job %s, run %s (%s) started %s", ErrRunning, r.Job, r.ID, r.Trigger,
			r.Started.UTC().Format(time.RFC3339))
	}
	now := time.Now().UTC()
	run := Run{Job: e.job.Name, ID: newRunID(now), Trigger: trigger, Instance: s.inst, Started: now}
	e.running = &run
	s.wg.Add(1)
	return run, nil
}

// execute runs the job under its timeout, then records the outcome.
func (s *Scheduler) execute(e *entry, run Run) {
	defer s.wg.Done()
	s.metrics.running.WithLabelValues(run.Job).Set(1)
	s.logger.Debug("job started", "job", run.Job, "run_id", run.ID, "trigger", run.Trigger)
	ctx, cancel := context.WithTimeout(s.ctx, e.job.Timeout)
	summary, err := protect(ctx, e.job.Run)
	run.Status, run.Error = outcome(ctx, err)
	cancel()
	run.Finished = time.Now().UTC()
	run.Summary = bound(summary)
	s.finish(e, run, err)
}

// protect calls run, turning a panic into a *panicError.
func protect(ctx context.Context, run func(context.Context) (string, error)) (summary string, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: stackSummary(debug.Stack())}
		}
	}()
	return run(ctx)
}

// outcome classifies a run's error; ctx is the run's, not yet cancelled.
func outcome(ctx context.Context, err error) (Status, string) {
	var p *panicError
	switch {
	case errors.As(err, &p):
		return StatusPanic, bound(p.Error())
	case err == nil:
		return StatusOK, ""
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return StatusTimeout, bound(err.Error())
	case ctx.Err() != nil:
		return StatusCanceled, bound(err.Error())
	default:
		return StatusError, bound(err.Error())
	}
}

// finish records run, then frees the job: once Jobs shows it idle, its run
// is in ClickHouse (or the write has failed and been counted).
func (s *Scheduler) finish(e *entry, run Run, err error) {
	s.save(run)
	s.metrics.running.WithLabelValues(run.Job).Set(0)
	attrs := []any{"job", run.Job, "run_id", run.ID, "trigger", run.Trigger, "status", run.Status,
		"duration", run.Finished.Sub(run.Started), "summary", run.Summary}
	switch run.Status {
	case StatusOK:
		s.logger.Info("job finished", attrs...)
	case StatusPanic:
		s.logger.Error("job panicked", append(attrs, "err", run.Error)...)
	default:
		s.logger.Warn("job failed", append(attrs, "err", err)...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e.running, e.last = nil, &run
}

// skip records a tick that found the previous run still going.
func (s *Scheduler) skip(e *entry, err error) {
	now := time.Now().UTC()
	run := Run{
		Job: e.job.Name, ID: newRunID(now), Trigger: TriggerSchedule, Instance: s.inst,
		Started: now, Finished: now, Status: StatusSkipped, Error: err.Error(),
	}
	s.logger.Warn("job tick skipped: the previous run is still going", "job", run.Job, "err", err)
	s.save(run)
}

// save counts run and writes it to job_runs; a failed write is logged and
// counted, never fatal.
func (s *Scheduler) save(run Run) {
	s.metrics.observe(run)
	// Not s.ctx: a run cancelled by Shutdown is still recorded.
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	if err := s.store.record(ctx, run); err != nil {
		s.metrics.recordErrors.Inc()
		s.logger.Error("cannot record a job run", "job", run.Job, "run_id", run.ID, "status", run.Status, "err", err)
	}
}

// newRunID is sortable by start and unique: the UTC start second plus 32
// random bits.
func newRunID(started time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return started.Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// panicError is a recovered panic.
type panicError struct {
	value any
	stack string
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v\n%s", p.value, p.stack) }

// stackFrames is how many frames of the panicking goroutine a record keeps:
// enough to find the line, small enough for a table row.
const stackFrames = 8

// stackSummary keeps the frames below the panic call (the job's own code),
// dropping the goroutine header and the recovery machinery above it.
func stackSummary(stack []byte) string {
	lines := strings.Split(strings.TrimSpace(string(stack)), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") {
			lines = lines[min(i+2, len(lines)):]
			break
		}
	}
	lines = lines[:min(len(lines), 2*stackFrames)]
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "\n")
}

// maxText bounds the error and summary of one run.
const maxText = 8 << 10

// bound cuts s to maxText bytes, at a character boundary.
func bound(s string) string {
	if len(s) <= maxText {
		return s
	}
	return strings.ToValidUTF8(s[:maxText], "") + "…"
}
