package scheduler_test

import (
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/internal/scheduler"
)

func TestConfigValidateNamesEveryBadKey(t *testing.T) {
	cfg := scheduler.Config{Jobs: map[string]scheduler.JobConfig{
		"keepwarm": {Schedule: "every hour"},
		"alerts":   {Timeout: -time.Second},
		"Report":   {},
		"fine":     {Schedule: "*/5 * * * *", Timeout: time.Minute},
	}}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{
		`scheduler.jobs.keepwarm.schedule: "every hour" is not a cron spec`,
		"scheduler.jobs.alerts.timeout: must be > 0",
		"scheduler.jobs.Report: job names are",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "fine") {
		t.Errorf("a good job is reported:\n%v", err)
	}
	if err := scheduler.NewDefaultConfig().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestStartRejectsConfigForUnknownJobs(t *testing.T) {
	cfg := scheduler.Config{Jobs: map[string]scheduler.JobConfig{"keepwarm": {}, "typo": {}}}
	s := scheduler.New(cfg, scheduler.Settings{})
	if err := s.Register(job("keepwarm", "@hourly", ok(""))); err != nil {
		t.Fatal(err)
	}
	err := s.Start(t.Context())
	if err == nil || !strings.Contains(err.Error(), "scheduler.jobs.typo: no such job") || strings.Contains(err.Error(), "jobs.keepwarm") {
		t.Errorf("Start: %v, want scheduler.jobs.typo named alone", err)
	}
}

func TestConfigOverridesTheJobsDefaults(t *testing.T) {
	off := false
	cfg := scheduler.Config{Jobs: map[string]scheduler.JobConfig{
		"keepwarm": {Schedule: "@every 30m", Timeout: 2 * time.Minute},
		"report":   {Enabled: &off},
	}}
	h := start(t, migrated(t), cfg, job("keepwarm", "@hourly", ok("")), job("report", "@monthly", ok("sent")), job("alerts", "@every 1m", ok("")))
	for _, c := range []struct {
		name     string
		schedule string
		timeout  time.Duration
		enabled  bool
	}{
		{"keepwarm", "@every 30m", 2 * time.Minute, true},
		{"report", "@monthly", time.Minute, false},
		{"alerts", "@every 1m", time.Minute, true},
	} {
		st := h.status(t, c.name)
		if st.Schedule != c.schedule || st.Timeout != c.timeout || st.Enabled != c.enabled || st.NextRun.IsZero() == c.enabled {
			t.Errorf("%s: %+v, want schedule %s timeout %s enabled %v", c.name, st, c.schedule, c.timeout, c.enabled)
		}
	}
	// A job off the schedule still runs by hand.
	if run := h.runNow(t, "report"); run.Status != scheduler.StatusOK || run.Summary != "sent" {
		t.Errorf("manual run of a disabled job: %+v", run)
	}
	if got := h.Jobs(); len(got) != 3 || got[0].Name != "keepwarm" || got[2].Name != "alerts" {
		t.Errorf("jobs not in registration order: %+v", got)
	}
}
