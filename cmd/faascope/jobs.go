package main

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/internal/scheduler"
)

// jobs is the registry of scheduled jobs: each issue that adds a job adds it
// here, with its default schedule and timeout (scheduler.jobs.<name> in the
// config overrides them). Keep-warm ("keepwarm", @hourly, 10m) comes next.
func jobs(_ Config, _ *storage, _ *slog.Logger) []scheduler.Job {
	return nil
}

// startScheduler registers the jobs and starts the scheduler; runs are
// recorded in the job_runs table of st.
func startScheduler(ctx context.Context, cfg Config, st *storage, reg prometheus.Registerer, logger *slog.Logger) (*scheduler.Scheduler, error) {
	s := scheduler.New(cfg.Scheduler, scheduler.Settings{Conn: st.client.Conn, Logger: logger, Registerer: reg})
	for _, j := range jobs(cfg, st, logger) {
		if err := s.Register(j); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.ClickHouse.QueryTimeout)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}
