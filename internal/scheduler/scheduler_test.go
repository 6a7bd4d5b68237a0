package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faascope/faascope/internal/chtest"
	"github.com/faascope/faascope/internal/scheduler"
)

func TestManualRunIsRecordedAndCounted(t *testing.T) {
	h := start(t, migrated(t), scheduler.NewDefaultConfig(), job("report", "@daily", ok("3 reports written")))
	before := time.Now()
	run := h.runNow(t, "report")

	if run.Status != scheduler.StatusOK || run.Summary != "3 reports written" || run.Trigger != scheduler.TriggerManual ||
		run.Instance != "test-host" || run.Error != "" || run.Started.Before(before.Add(-time.Second)) || run.Finished.Before(run.Started) {
		t.Errorf("last run %+v", run)
	}
	stored := h.stored(t, "report")
	if len(stored) != 1 || stored[0].ID != run.ID || stored[0].Status != "ok" || stored[0].Trigger != "manual" ||
		stored[0].Summary != "3 reports written" || stored[0].Instance != "test-host" || stored[0].Seconds < 0 {
		t.Errorf("job_runs %+v, want the run %s", stored, run.ID)
	}
	for name, want := range map[string]float64{
		"faascope_job_runs_total":       1,
		"faascope_job_duration_seconds": 1,
		"faascope_job_running":          0,
	} {
		labels := map[string]string{"job": "report"}
		if name == "faascope_job_runs_total" {
			labels["status"] = "ok"
		}
		if got := metric(t, h.reg, name, labels); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if got := metric(t, h.reg, "faascope_job_last_success_timestamp_seconds", map[string]string{"job": "report"}); got < float64(before.Unix()) {
		t.Errorf("last success %v, want at least %d", got, before.Unix())
	}
	if got := metric(t, h.reg, "faascope_job_record_errors_total", nil); got != 0 {
		t.Errorf("record errors %v", got)
	}
}

func TestRunOutcomes(t *testing.T) {
	for _, c := range []struct {
		name    string
		timeout time.Duration
		run     func(context.Context) (string, error)
		status  scheduler.Status
		errHas  []string
	}{
		{"error", time.Minute, func(context.Context) (string, error) { return "half done", errors.New("no prices for june") },
			scheduler.StatusError, []string{"no prices for june"}},
		{"timeout", 50 * time.Millisecond, func(ctx context.Context) (string, error) { <-ctx.Done(); return "", ctx.Err() },
			scheduler.StatusTimeout, []string{"deadline exceeded"}},
		{"panic", time.Minute, func(context.Context) (string, error) { panic("nil map in recommender") },
			scheduler.StatusPanic, []string{"panic: nil map in recommender", "scheduler_test.TestRunOutcomes"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := job("j", "@daily", c.run)
			j.Timeout = c.timeout
			h := start(t, migrated(t), scheduler.NewDefaultConfig(), j)
			run := h.runNow(t, "j")
			stored := h.stored(t, "j")
			if run.Status != c.status || len(stored) != 1 || stored[0].Status != string(c.status) || stored[0].Error != run.Error {
				t.Fatalf("run %+v, stored %+v, want status %s", run, stored, c.status)
			}
			for _, s := range c.errHas {
				if !strings.Contains(run.Error, s) {
					t.Errorf("error %q does not contain %q", run.Error, s)
				}
			}
			if got := metric(t, h.reg, "faascope_job_runs_total", map[string]string{"job": "j", "status": string(c.status)}); got != 1 {
				t.Errorf("runs_total{status=%s} = %v", c.status, got)
			}
			// The scheduler survives: the job can run again.
			if _, err := h.RunNow("j"); err != nil {
				t.Errorf("after %s: %v", c.name, err)
			}
		})
	}
}

func TestScheduledRunsHappen(t *testing.T) {
	var n atomic.Int32
	h := start(t, migrated(t), scheduler.NewDefaultConfig(), job("tick", "@every 1s", func(context.Context) (string, error) {
		n.Add(1)
		return "ticked", nil
	}))
	if st := h.status(t, "tick"); !st.Enabled || st.NextRun.Before(time.Now().Add(-time.Second)) || st.Schedule != "@every 1s" {
		t.Errorf("status %+v: want enabled with a next run", st)
	}
	waitFor(t, "a scheduled run", func() bool {
		st := h.status(t, "tick")
		return !st.Running && st.LastRun != nil && st.LastRun.Trigger == scheduler.TriggerSchedule
	})
	if n.Load() < 1 {
		t.Error("the job did not run")
	}
}

// TestNoOverlap: while a run goes on, ticks are skipped (and recorded as
// such) and RunNow answers ErrRunning; the job never runs twice at once.
func TestNoOverlap(t *testing.T) {
	var inFlight, maxInFlight atomic.Int32
	release := make(chan struct{})
	h := start(t, migrated(t), scheduler.NewDefaultConfig(), job("slow", "@every 1s", func(context.Context) (string, error) {
		maxInFlight.Store(max(maxInFlight.Load(), inFlight.Add(1)))
		defer inFlight.Add(-1)
		<-release
		return "done", nil
	}))
	id, err := h.RunNow("slow")
	if err != nil {
		// A tick may have started it first; then that run blocks instead.
		if !errors.Is(err, scheduler.ErrRunning) {
			t.Fatal(err)
		}
	}
	waitFor(t, "the run to start", func() bool { return h.status(t, "slow").Running })
	if _, err := h.RunNow("slow"); !errors.Is(err, scheduler.ErrRunning) {
		t.Errorf("RunNow during a run: %v, want ErrRunning", err)
	}
	skipped := map[string]string{"job": "slow", "status": "skipped"}
	waitFor(t, "a skipped tick", func() bool { return metric(t, h.reg, "faascope_job_runs_total", skipped) >= 1 })
	close(release)
	waitFor(t, "the run to end", func() bool { return h.status(t, "slow").LastRun != nil })

	if maxInFlight.Load() != 1 {
		t.Errorf("%d runs at once", maxInFlight.Load())
	}
	// The metric counts a skip before its row reaches ClickHouse.
	var skips []string
	waitFor(t, "a skipped run recorded", func() bool {
		skips = skips[:0]
		for _, r := range h.stored(t, "slow") {
			if r.Status == "skipped" {
				skips = append(skips, r.Error)
			}
		}
		return len(skips) > 0
	})
	for _, e := range skips {
		if id != "" && !strings.Contains(e, id) {
			t.Errorf("skip %q does not name the run in progress %s", e, id)
		}
	}
	if last := h.status(t, "slow").LastRun; last.Status != scheduler.StatusOK {
		t.Errorf("last run %+v: skips are not runs", last)
	}
}

func TestRestartShowsTheLastRun(t *testing.T) {
	db := migrated(t)
	first := start(t, db, scheduler.NewDefaultConfig(), job("keepwarm", "@hourly", ok("first")))
	first.runNow(t, "keepwarm")
	want := first.runNow(t, "keepwarm")
	if err := first.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}

	second := start(t, db, scheduler.NewDefaultConfig(), job("keepwarm", "@hourly", ok("second")))
	got := second.status(t, "keepwarm").LastRun
	if got == nil || got.ID != want.ID || got.Status != scheduler.StatusOK || got.Summary != "first" ||
		!got.Started.Equal(want.Started) || !got.Finished.Equal(want.Finished) || got.Trigger != scheduler.TriggerManual {
		t.Errorf("after restart last run %+v, want %+v", got, want)
	}
	if ts := metric(t, second.reg, "faascope_job_last_success_timestamp_seconds", map[string]string{"job": "keepwarm"}); ts != float64(want.Finished.Unix()) {
		t.Errorf("restored last success %v, want %d", ts, want.Finished.Unix())
	}
}

// A lost write must not stop the scheduler: the run still counts in memory
// and on /metrics, and the failure is counted.
func TestRecordFailureIsCountedNotFatal(t *testing.T) {
	h := start(t, chtest.NewDatabase(t), scheduler.NewDefaultConfig(), job("j", "@daily", ok("fine"))) // no job_runs table
	if run := h.runNow(t, "j"); run.Status != scheduler.StatusOK {
		t.Errorf("run %+v", run)
	}
	if got := metric(t, h.reg, "faascope_job_record_errors_total", nil); got != 1 {
		t.Errorf("record errors %v, want 1", got)
	}
}

func TestShutdownCancelsRunningJobs(t *testing.T) {
	h := start(t, migrated(t), scheduler.NewDefaultConfig(), job("long", "@daily", func(ctx context.Context) (string, error) {
		<-ctx.Done()
		return "interrupted", ctx.Err()
	}))
	id, err := h.RunNow("long")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the run to start", func() bool { return h.status(t, "long").Running })
	if err := h.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := h.Shutdown(t.Context()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	stored := h.stored(t, "long")
	if len(stored) != 1 || stored[0].ID != id || stored[0].Status != "canceled" || stored[0].Summary != "interrupted" {
		t.Errorf("job_runs %+v: want the run canceled", stored)
	}
	if _, err := h.RunNow("long"); !errors.Is(err, scheduler.ErrStopped) {
		t.Errorf("RunNow after Shutdown: %v, want ErrStopped", err)
	}
	if st := h.status(t, "long"); !st.NextRun.IsZero() || st.Running {
		t.Errorf("after Shutdown %+v", st)
	}
}

func TestShutdownWithoutStart(t *testing.T) {
	s := scheduler.New(scheduler.NewDefaultConfig(), scheduler.Settings{})
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err == nil {
		t.Error("Start after Shutdown must fail")
	}
}

func TestRunNowErrors(t *testing.T) {
	s := scheduler.New(scheduler.NewDefaultConfig(), scheduler.Settings{})
	if err := s.Register(job("j", "@daily", ok(""))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunNow("j"); !errors.Is(err, scheduler.ErrStopped) {
		t.Errorf("before Start: %v, want ErrStopped", err)
	}
	if _, err := s.RunNow("nope"); !errors.Is(err, scheduler.ErrUnknownJob) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown job: %v", err)
	}
}

func TestRegisterRejectsBadJobs(t *testing.T) {
	s := scheduler.New(scheduler.NewDefaultConfig(), scheduler.Settings{})
	if err := s.Register(job("dup", "@hourly", ok(""))); err != nil {
		t.Fatal(err)
	}
	noRun := job("norun", "@hourly", nil)
	noTimeout := job("notimeout", "@hourly", ok(""))
	noTimeout.Timeout = 0
	for _, c := range []struct {
		job  scheduler.Job
		want string
	}{
		{job("dup", "@hourly", ok("")), "already registered"},
		{job("bad spec", "@hourly", ok("")), "lower-case"},
		{job("badspec", "every hour", ok("")), `schedule "every hour"`},
		{job("sixfields", "0 0 * * * *", ok("")), "schedule"},
		{noRun, "no Run"},
		{noTimeout, "timeout"},
	} {
		if err := s.Register(c.job); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.job.Name) {
			t.Errorf("Register(%s): %v, want an error naming it with %q", c.job.Name, err, c.want)
		}
	}
}

func TestRegisterAfterStartFails(t *testing.T) {
	h := start(t, migrated(t), scheduler.NewDefaultConfig())
	if err := h.Register(job("late", "@hourly", ok(""))); err == nil || !strings.Contains(err.Error(), "started") {
		t.Errorf("Register after Start: %v", err)
	}
}
