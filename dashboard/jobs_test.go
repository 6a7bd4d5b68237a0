package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/internal/scheduler"
)

// fakeScheduler lists jobs and answers RunNow with runErr or run id "run-1",
// recording the name asked for.
type fakeScheduler struct {
	jobs   []scheduler.JobStatus
	runErr error
	asked  string
}

func (f *fakeScheduler) Jobs() []scheduler.JobStatus { return f.jobs }

func (f *fakeScheduler) RunNow(name string) (string, error) {
	f.asked = name
	if f.runErr != nil {
		return "", f.runErr
	}
	return "run-1", nil
}

var (
	_ Scheduler = (*fakeScheduler)(nil)
	_ Scheduler = (*scheduler.Scheduler)(nil) // what serve wires in
)

// jobsServer serves sch (nil: no scheduler role) with the tokens of newAuthServer.
func jobsServer(t *testing.T, sch Scheduler) http.Handler {
	s := newAuthServer(t, &fakeAnalyzer{})
	s.deps.Scheduler = sch
	return s.Handler()
}

func TestListJobs(t *testing.T) {
	started := time.Date(2026, 11, 22, 11, 0, 0, 5e8, time.UTC)
	next := time.Date(2026, 11, 22, 13, 0, 0, 0, time.UTC)
	sch := &fakeScheduler{jobs: []scheduler.JobStatus{
		{Name: "keepwarm", Schedule: "@hourly", Timeout: 10 * time.Minute, Enabled: true, Running: true, NextRun: next,
			LastRun: &scheduler.Run{Job: "keepwarm", ID: "r1", Trigger: scheduler.TriggerSchedule, Instance: "h1",
				Started: started, Finished: started.Add(90 * time.Second), Status: scheduler.StatusError, Error: "boom", Summary: "2 of 3"}},
		{Name: "report", Schedule: "@monthly", Timeout: time.Hour},
	}}
	rec := callMethod(jobsServer(t, sch), http.MethodGet, "/api/v1/jobs", acmeToken)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	want := `{"jobs":[{"name":"keepwarm","schedule":"@hourly","timeout":"10m0s","enabled":true,"running":true,` +
		`"last_run":{"run_id":"r1","trigger":"schedule","instance":"h1","started":"2026-11-22T11:00:00.5Z",` +
		`"finished":"2026-11-22T11:01:30.5Z","status":"error","error":"boom","summary":"2 of 3"},"next_run":"2026-11-22T13:00:00Z"},` +
		`{"name":"report","schedule":"@monthly","timeout":"1h0m0s","enabled":false,"running":false,"last_run":null,"next_run":null}]}`
	if got := rec.Body.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var empty struct{ Jobs []jobStatus }
	rec = callMethod(jobsServer(t, &fakeScheduler{}), http.MethodGet, "/api/v1/jobs", acmeToken)
	if err := json.Unmarshal(rec.Body.Bytes(), &empty); err != nil || empty.Jobs == nil {
		t.Errorf("no jobs must be an empty list: %s", rec.Body.String())
	}
}

func TestRunJob(t *testing.T) {
	for _, c := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"started", nil, http.StatusAccepted, ""},
		{"unknown", fmt.Errorf("%w: %q", scheduler.ErrUnknownJob, "nope"), http.StatusNotFound, "not_found"},
		{"running", fmt.Errorf("%w: run r1", scheduler.ErrRunning), http.StatusConflict, "conflict"},
		{"stopped", scheduler.ErrStopped, http.StatusServiceUnavailable, "unavailable"},
	} {
		sch := &fakeScheduler{runErr: c.err}
		rec := callMethod(jobsServer(t, sch), http.MethodPost, "/api/v1/jobs/keepwarm/run", globexToken)
		if rec.Code != c.status || sch.asked != "keepwarm" {
			t.Errorf("%s: %d %s (asked for %q), want %d", c.name, rec.Code, rec.Body.String(), sch.asked, c.status)
			continue
		}
		if c.err == nil {
			if rec.Body.String() != `{"run_id":"run-1"}` {
				t.Errorf("%s: body %s", c.name, rec.Body.String())
			}
		} else if body := decodeError(t, rec); body.Error.Code != c.code || !strings.Contains(body.Error.Message, c.err.Error()) {
			t.Errorf("%s: %+v, want %s with %q", c.name, body, c.code, c.err)
		}
	}
}

// Running a job operates faascope: a read token may list jobs, not run them.
func TestRunJobNeedsAdmin(t *testing.T) {
	for _, c := range []struct {
		name, method, path, token string
		status                    int
	}{
		{"no token", http.MethodPost, "/api/v1/jobs/keepwarm/run", "", http.StatusUnauthorized},
		{"read token", http.MethodPost, "/api/v1/jobs/keepwarm/run", acmeToken, http.StatusForbidden},
		{"ingest token", http.MethodPost, "/api/v1/jobs/keepwarm/run", ingestToken, http.StatusForbidden},
		{"admin token", http.MethodPost, "/api/v1/jobs/keepwarm/run", globexToken, http.StatusAccepted},
		{"read token lists", http.MethodGet, "/api/v1/jobs", acmeToken, http.StatusOK},
		{"GET cannot run", http.MethodGet, "/api/v1/jobs/keepwarm/run", globexToken, http.StatusMethodNotAllowed},
		{"unknown parameter", http.MethodPost, "/api/v1/jobs/keepwarm/run?force=1", globexToken, http.StatusBadRequest},
	} {
		sch := &fakeScheduler{}
		rec := callMethod(jobsServer(t, sch), c.method, c.path, c.token)
		if rec.Code != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, rec.Code, rec.Body.String(), c.status)
		}
		if c.status != http.StatusAccepted && sch.asked != "" {
			t.Errorf("%s: the job was started", c.name)
		}
	}
}

func TestJobRoutesWithoutTheSchedulerRole(t *testing.T) {
	h := jobsServer(t, nil)
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/api/v1/jobs"}, {http.MethodPost, "/api/v1/jobs/keepwarm/run"},
	} {
		rec := callMethod(h, c.method, c.path, globexToken)
		if body := decodeError(t, rec); rec.Code != http.StatusServiceUnavailable || !strings.Contains(body.Error.Message, "scheduler role") {
			t.Errorf("%s %s: %d %+v, want 503 naming the scheduler role", c.method, c.path, rec.Code, body)
		}
	}
}
