package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"
)

// Job is one periodic task. Run must honour ctx: it is cancelled at the
// timeout and at shutdown. A run that ignores it still counts as running
// until it returns, so the job never overlaps itself.
type Job struct {
	// Name identifies the job in the config, the API, metrics and job_runs.
	Name string
	// Spec is the default schedule: 5-field cron or a descriptor such as
	// @hourly or @every 15m, in UTC. scheduler.jobs.<name>.schedule overrides it.
	Spec string
	// Timeout bounds one run; scheduler.jobs.<name>.timeout overrides it.
	Timeout time.Duration
	// Run does the work and returns a one-line summary for job_runs and the API.
	Run func(ctx context.Context) (summary string, err error)
}

// Trigger says what started a run.
type Trigger string

// The triggers.
const (
	TriggerSchedule Trigger = "schedule"
	TriggerManual   Trigger = "manual"
)

// Status is how a run ended; the values of job_runs.status.
type Status string

// The statuses.
const (
	StatusOK       Status = "ok"
	StatusError    Status = "error"
	StatusTimeout  Status = "timeout"  // Run returned after its deadline passed
	StatusPanic    Status = "panic"    // Run panicked; Error has the value and a stack summary
	StatusCanceled Status = "canceled" // faascope shut down during the run
	StatusSkipped  Status = "skipped"  // a tick came while the previous run was still going
)

// Run is one run of a job, as recorded in job_runs.
type Run struct {
	Job      string
	ID       string
	Trigger  Trigger
	Instance string // host that ran it: two schedulers by mistake show up here
	Started  time.Time
	Finished time.Time
	Status   Status
	Error    string
	Summary  string
}

// JobStatus is a job as the API lists it.
type JobStatus struct {
	Name     string
	Schedule string
	Timeout  time.Duration
	Enabled  bool // scheduled; a disabled job still runs by hand
	Running  bool
	LastRun  *Run      // latest run that ran (skips excluded); nil if none
	NextRun  time.Time // zero when not scheduled (disabled, or the scheduler is not running)
}

// Errors of RunNow.
var (
	ErrUnknownJob = errors.New("no such job")
	ErrRunning    = errors.New("job is already running")
	ErrStopped    = errors.New("the scheduler is not running")
)

// Settings are the scheduler's wiring.
type Settings struct {
	// Conn is where runs are recorded (job_runs must exist: migration 0009).
	Conn       driver.Conn
	Logger     *slog.Logger          // nil: discard
	Registerer prometheus.Registerer // nil: metrics are not exported
	// Instance names this process in job_runs; empty: the host name.
	Instance string
}

// Scheduler runs registered jobs on their schedules. Its methods are safe
// for concurrent use.
type Scheduler struct {
	cfg     Config
	store   *store
	logger  *slog.Logger
	metrics *metrics
	cron    *cron.Cron
	inst    string

	// ctx is the parent of every run's context; Shutdown cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // runs in progress

	mu    sync.Mutex
	state state
	jobs  []*entry // registration order
}

type state int

const (
	stateNew state = iota
	stateStarted
	stateStopped
)

// entry is a registered job; running and last are guarded by Scheduler.mu.
type entry struct {
	job       Job // config overrides applied
	scheduled bool
	id        cron.EntryID
	running   *Run
	last      *Run
}

// recordTimeout bounds one write to job_runs.
const recordTimeout = 10 * time.Second

// New builds a scheduler; it does no I/O. cfg must be valid (Config.Validate).
func New(cfg Config, set Settings) *Scheduler {
	logger := set.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "scheduler")
	inst := set.Instance
	if inst == "" {
		inst, _ = os.Hostname()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		cfg: cfg, store: &store{conn: set.Conn}, logger: logger, metrics: newMetrics(set.Registerer), inst: inst,
		cron:   cron.New(cron.WithLocation(time.UTC), cron.WithParser(parser), cron.WithLogger(cronLogger{logger})),
		ctx:    ctx,
		cancel: cancel,
	}
}

// Register adds a job before Start, with its config overrides applied.
func (s *Scheduler) Register(job Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkNew(job); err != nil {
		return fmt.Errorf("cannot register job %q: %w", job.Name, err)
	}
	job, scheduled := s.cfg.apply(job)
	sched, err := parser.Parse(job.Spec)
	if err != nil {
		return fmt.Errorf("cannot register job %q: schedule %q: %w", job.Name, job.Spec, err)
	}
	e := &entry{job: job, scheduled: scheduled}
	if scheduled {
		e.id = s.cron.Schedule(sched, cron.FuncJob(func() { s.tick(e) }))
	}
	s.jobs = append(s.jobs, e)
	s.metrics.register(job.Name)
	return nil
}

func (s *Scheduler) checkNew(job Job) error {
	switch {
	case s.state != stateNew:
		return errors.New("the scheduler has already started")
	case !jobNameRE.MatchString(job.Name):
		return errors.New("job names are lower-case letters, digits, _ and -")
	case s.find(job.Name) != nil:
		return errors.New("a job of that name is already registered")
	case job.Run == nil:
		return errors.New("no Run function")
	case job.Timeout <= 0:
		return errors.New("the timeout must be > 0")
	}
	return nil
}

// find returns the job named name, nil if none; the caller holds s.mu.
func (s *Scheduler) find(name string) *entry {
	i := slices.IndexFunc(s.jobs, func(e *entry) bool { return e.job.Name == name })
	if i < 0 {
		return nil
	}
	return s.jobs[i]
}

// Start checks that the config names only registered jobs, loads each
// job's last run from ClickHouse (a failure is logged: the jobs still run)
// and starts the schedules.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateNew {
		return errors.New("cannot start the scheduler: already started")
	}
	names := make([]string, len(s.jobs))
	for i, e := range s.jobs {
		names[i] = e.job.Name
	}
	if err := s.cfg.unknown(names); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	if err := s.restore(ctx, names); err != nil {
		s.logger.Warn("cannot load the last job runs; the API shows none until each job runs again", "err", err)
	}
	s.cron.Start()
	s.state = stateStarted
	s.logger.Info("scheduler started", "jobs", names, "instance", s.inst)
	return nil
}

// restore loads the last runs and successes; the caller holds s.mu.
func (s *Scheduler) restore(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return nil
	}
	last, err := s.store.lastRuns(ctx, names)
	if err != nil {
		return err
	}
	for _, e := range s.jobs {
		if r, ok := last[e.job.Name]; ok {
			e.last = &r
		}
	}
	ok, err := s.store.lastSuccesses(ctx, names)
	if err != nil {
		return err
	}
	for name, t := range ok {
		s.metrics.lastSuccess.WithLabelValues(name).Set(float64(t.Unix()))
	}
	return nil
}

// Shutdown stops the schedules, cancels the running jobs' contexts and waits
// up to ctx for them to return and be recorded. It is safe to call without
// Start and more than once.
func (s *Scheduler) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.state == stateStopped {
		s.mu.Unlock()
		return nil
	}
	s.state = stateStopped
	s.mu.Unlock()

	// Jobs are periodic and re-run at the next tick, so a quick stop beats
	// waiting out a long run.
	ticks := s.cron.Stop()
	s.cancel()
	done := make(chan struct{})
	go func() {
		<-ticks.Done()
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("scheduler: jobs %v did not return after cancellation: %w", s.runningNames(), ctx.Err())
	}
}

func (s *Scheduler) runningNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, e := range s.jobs {
		if e.running != nil {
			names = append(names, e.job.Name)
		}
	}
	return names
}

// Jobs lists the registered jobs in registration order.
func (s *Scheduler) Jobs() []JobStatus {
	s.mu.Lock()
	out := make([]JobStatus, len(s.jobs))
	ids := make([]cron.EntryID, len(s.jobs))
	for i, e := range s.jobs {
		out[i] = JobStatus{
			Name: e.job.Name, Schedule: e.job.Spec, Timeout: e.job.Timeout, Enabled: e.scheduled,
			Running: e.running != nil, LastRun: copyRun(e.last),
		}
		ids[i] = e.id
	}
	running := s.state == stateStarted
	s.mu.Unlock()
	// Outside s.mu: Entry asks the cron loop, which never waits for s.mu.
	for i := range out {
		if running && out[i].Enabled {
			out[i].NextRun = s.cron.Entry(ids[i]).Next
		}
	}
	return out
}

func copyRun(r *Run) *Run {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

// RunNow starts a run of the job in the background and returns its id. It
// fails with ErrUnknownJob, ErrRunning (the job is running) or ErrStopped
// (not started, or shut down).
func (s *Scheduler) RunNow(name string) (string, error) {
	s.mu.Lock()
	e := s.find(name)
	s.mu.Unlock()
	if e == nil {
		return "", fmt.Errorf("%w: %q", ErrUnknownJob, name)
	}
	run, err := s.begin(e, TriggerManual)
	if err != nil {
		return "", err
	}
	go s.execute(e, run)
	return run.ID, nil
}

// cronLogger sends the cron library's messages to slog; its info messages
// (every wake-up) are debug detail.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
