package scheduler_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/internal/chclient"
	"github.com/faascope/faascope/internal/chtest"
	"github.com/faascope/faascope/internal/scheduler"
	"github.com/faascope/faascope/schemas"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// migrated is a fresh database with the schema.
func migrated(t *testing.T) *chclient.Client {
	t.Helper()
	db := chtest.NewDatabase(t)
	if _, err := (&schemas.Migrator{Conn: db.Conn, DDLContext: db.DDLContext}).Up(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// harness is a started scheduler on db with its own metrics registry.
type harness struct {
	*scheduler.Scheduler
	db  *chclient.Client
	reg *prometheus.Registry
}

// start registers jobs on a new scheduler and starts it; it is shut down
// when the test ends.
func start(t *testing.T, db *chclient.Client, cfg scheduler.Config, jobs ...scheduler.Job) harness {
	t.Helper()
	h := harness{db: db, reg: prometheus.NewRegistry()}
	h.Scheduler = scheduler.New(cfg, scheduler.Settings{Conn: db.Conn, Registerer: h.reg, Instance: "test-host"})
	for _, j := range jobs {
		if err := h.Register(j); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	return h
}

// job is a test job with a one-minute timeout.
func job(name, spec string, run func(context.Context) (string, error)) scheduler.Job {
	return scheduler.Job{Name: name, Spec: spec, Timeout: time.Minute, Run: run}
}

func ok(summary string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return summary, nil }
}

// status returns the named job's status.
func (h harness) status(t *testing.T, name string) scheduler.JobStatus {
	t.Helper()
	for _, j := range h.Jobs() {
		if j.Name == name {
			return j
		}
	}
	t.Fatalf("job %s is not listed", name)
	return scheduler.JobStatus{}
}

// waitFor polls cond every 10ms for up to 15s: tests never rely on how
// long a run takes, only on it ending.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitRun waits until the job is idle with a last run whose id is id.
func (h harness) waitRun(t *testing.T, name, id string) scheduler.Run {
	t.Helper()
	var last *scheduler.Run
	waitFor(t, "run "+id+" of "+name, func() bool {
		st := h.status(t, name)
		last = st.LastRun
		return !st.Running && last != nil && last.ID == id
	})
	return *last
}

// runNow starts a manual run and waits for it to end.
func (h harness) runNow(t *testing.T, name string) scheduler.Run {
	t.Helper()
	id, err := h.RunNow(name)
	if err != nil {
		t.Fatal(err)
	}
	return h.waitRun(t, name, id)
}

// storedRun is a job_runs row.
type storedRun struct {
	ID, Trigger, Instance, Status, Error, Summary string
	Seconds                                       float64
}

func (h harness) stored(t *testing.T, name string) []storedRun {
	t.Helper()
	rows, err := h.db.Conn.Query(t.Context(), `SELECT run_id, toString(trigger), instance, toString(status), error, summary,
			(toUInt32(finished) - toUInt32(started)) + (toInt64(finished_ns) - toInt64(started_ns)) / 1e9
		FROM job_runs WHERE job = ? ORDER BY started, started_ns`, name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedRun
	for rows.Next() {
		var r storedRun
		if err := rows.Scan(&r.ID, &r.Trigger, &r.Instance, &r.Status, &r.Error, &r.Summary, &r.Seconds); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// metric returns the value of the series of name with exactly labels
// (counter, gauge, or a histogram's sample count); -1 when absent.
func metric(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if len(got) != len(labels) {
				continue
			}
			match := true
			for k, v := range labels {
				match = match && got[k] == v
			}
			if !match {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue()
			case m.Gauge != nil:
				return m.GetGauge().GetValue()
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return -1
}
