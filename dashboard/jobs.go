package dashboard

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/faascope/faascope/internal/scheduler"
)

// Scheduler runs faascope's periodic jobs (*scheduler.Scheduler). Errors
// wrapping scheduler.ErrUnknownJob become 404, ErrRunning 409, ErrStopped 503.
type Scheduler interface {
	// Jobs lists the registered jobs.
	Jobs() []scheduler.JobStatus
	// RunNow starts a run of the job in the background and returns its id.
	RunNow(name string) (runID string, err error)
}

// errNoScheduler answers the job routes of a process without the scheduler
// role: the jobs exist, but another process runs them.
var errNoScheduler = &apiError{http.StatusServiceUnavailable, "unavailable",
	"this process does not run the scheduler: ask the faascope process started with the scheduler role (serve --roles)"}

type jobsResponse struct {
	Jobs []jobStatus `json:"jobs"`
}

// jobStatus is scheduler.JobStatus as JSON; next_run is null when the job
// is not scheduled.
type jobStatus struct {
	Name     string     `json:"name"`
	Schedule string     `json:"schedule"`
	Timeout  string     `json:"timeout"` // Go syntax, as in the config: 10m0s
	Enabled  bool       `json:"enabled"`
	Running  bool       `json:"running"`
	LastRun  *jobRun    `json:"last_run"`
	NextRun  *time.Time `json:"next_run"`
}

type jobRun struct {
	RunID    string    `json:"run_id"`
	Trigger  string    `json:"trigger"`
	Instance string    `json:"instance"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Status   string    `json:"status"`
	Error    string    `json:"error"`
	Summary  string    `json:"summary"`
}

type runStarted struct {
	RunID string `json:"run_id"`
}

func (s *Server) listJobs(*gin.Context) (any, error) {
	if s.deps.Scheduler == nil {
		return nil, errNoScheduler
	}
	jobs := s.deps.Scheduler.Jobs()
	out := jobsResponse{Jobs: make([]jobStatus, len(jobs))}
	for i, j := range jobs {
		out.Jobs[i] = jobStatus{
			Name: j.Name, Schedule: j.Schedule, Timeout: j.Timeout.String(), Enabled: j.Enabled, Running: j.Running,
			LastRun: toJobRun(j.LastRun),
		}
		if !j.NextRun.IsZero() {
			out.Jobs[i].NextRun = &j.NextRun
		}
	}
	return out, nil
}

func toJobRun(r *scheduler.Run) *jobRun {
	if r == nil {
		return nil
	}
	return &jobRun{
		RunID: r.ID, Trigger: string(r.Trigger), Instance: r.Instance, Started: r.Started, Finished: r.Finished,
		Status: string(r.Status), Error: r.Error, Summary: r.Summary,
	}
}

func (s *Server) runJob(c *gin.Context) (any, error) {
	if s.deps.Scheduler == nil {
		return nil, errNoScheduler
	}
	id, err := s.deps.Scheduler.RunNow(c.Param("name"))
	if err != nil {
		return nil, err
	}
	return withStatus{http.StatusAccepted, runStarted{RunID: id}}, nil
}
