package scheduler

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/robfig/cron/v3"
)

// Config is the scheduler's user configuration (YAML key "scheduler"). Job
// defaults (schedule, timeout) belong to the code that registers the job;
// the config only overrides them, so a new job needs no config entry.
type Config struct {
	// Jobs overrides registered jobs by name.
	Jobs map[string]JobConfig `yaml:"jobs"`
}

// JobConfig overrides one job. Zero values keep the job's default.
type JobConfig struct {
	// Schedule is a 5-field cron spec or a descriptor (@hourly, @every 15m), in UTC.
	Schedule string `yaml:"schedule"`
	// Timeout bounds one run; 0 keeps the job's default.
	Timeout time.Duration `yaml:"timeout"`
	// Enabled false stops the schedule; the job can still be run by hand
	// (POST /api/v1/jobs/{name}/run). Unset means enabled.
	Enabled *bool `yaml:"enabled"`
}

// NewDefaultConfig overrides nothing: every job runs on its own default schedule.
func NewDefaultConfig() Config { return Config{} }

// parser reads job specs: standard cron plus descriptors, as in the docs.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// jobNameRE keeps names usable as URL path segments and metric labels.
var jobNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// Validate reports every problem at once, keyed under "scheduler". Job names
// are checked against the registered jobs later, by Scheduler.Start.
func (c Config) Validate() error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(c.Jobs)) {
		key := "scheduler.jobs." + name
		if !jobNameRE.MatchString(name) {
			errs = append(errs, fmt.Errorf("%s: job names are lower-case letters, digits, _ and -", key))
		}
		errs = append(errs, c.Jobs[name].validate(key))
	}
	return errors.Join(errs...)
}

func (j JobConfig) validate(key string) error {
	var errs []error
	if j.Schedule != "" {
		if _, err := parser.Parse(j.Schedule); err != nil {
			errs = append(errs, fmt.Errorf("%s.schedule: %q is not a cron spec (like \"0 * * * *\" or \"@every 15m\"): %w", key, j.Schedule, err))
		}
	}
	if j.Timeout < 0 {
		errs = append(errs, fmt.Errorf("%s.timeout: must be > 0 (or 0 for the job's default), got %s", key, j.Timeout))
	}
	return errors.Join(errs...)
}

// apply returns job with the overrides of c, and whether it is scheduled.
func (c Config) apply(job Job) (Job, bool) {
	o, ok := c.Jobs[job.Name]
	if !ok {
		return job, true
	}
	if o.Schedule != "" {
		job.Spec = o.Schedule
	}
	if o.Timeout > 0 {
		job.Timeout = o.Timeout
	}
	return job, o.Enabled == nil || *o.Enabled
}

// unknown reports every configured job that is not registered.
func (c Config) unknown(registered []string) error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(c.Jobs)) {
		if !slices.Contains(registered, name) {
			errs = append(errs, fmt.Errorf("scheduler.jobs.%s: no such job (jobs: %v)", name, registered))
		}
	}
	return errors.Join(errs...)
}
