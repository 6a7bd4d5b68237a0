package main

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/keepwarm"
	"github.com/faascope/faascope/internal/scheduler"
)

// jobDeps is what the scheduled jobs are built from.
type jobDeps struct {
	cfg    Config
	reader *analyzer.Reader
	st     *storage
	reg    prometheus.Registerer
	logger *slog.Logger
}

// jobs is the registry of scheduled jobs: each issue that adds a job adds it
// here, with its default schedule and timeout (scheduler.jobs.<name> in the
// config overrides them).
func jobs(d jobDeps) ([]scheduler.Job, error) {
	kw, err := newKeepWarmJob(d.reader, d.reg, d.logger)
	if err != nil {
		return nil, err
	}
	return []scheduler.Job{{Name: "keepwarm", Spec: "@hourly", Timeout: 10 * time.Minute, Run: kw.run}, alertsJobSpec(d),
		reportsJobSpec(d), coldStartsJobSpec(d)}, nil
}

// coldStartsJobSpec settles past days' inferred cold starts (analyzer.Settler)
// every 10 minutes, so that lists over long ranges stop grouping every
// instance; a day changed by late data is settled again once it is quiet.
func coldStartsJobSpec(d jobDeps) scheduler.Job {
	s := d.reader.NewSettler()
	return scheduler.Job{Name: "coldstarts", Spec: "@every 10m", Timeout: 10 * time.Minute,
		Run: func(ctx context.Context) (string, error) {
			n, err := s.Run(ctx, time.Now())
			return fmt.Sprintf("%d days and %d windows settled", n.Days, n.Windows), err
		}}
}

// keepWarmJob recommends keep-warm actions for every function with traffic
// in the last 14 days, stores them, and exports what they would avoid.
type keepWarmJob struct {
	reader  *analyzer.Reader
	logger  *slog.Logger
	avoided *prometheus.GaugeVec
}

// maxExported bounds the avoidable-cold-start series per run: the functions
// with the most to gain.
const maxExported = 100

func newKeepWarmJob(reader *analyzer.Reader, reg prometheus.Registerer, logger *slog.Logger) (*keepWarmJob, error) {
	j := &keepWarmJob{reader: reader, logger: logger.With("job", "keepwarm"),
		avoided: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "faascope_keepwarm_avoidable_cold_starts",
			Help: "Cold starts a month the latest keep-warm recommendation expects to avoid, per function (the 100 with the most).",
		}, []string{"tenant", "provider", "account", "region", "function", "action"})}
	if err := reg.Register(j.avoided); err != nil {
		return nil, fmt.Errorf("cannot register the keep-warm metrics: %w", err)
	}
	return j, nil
}

func (j *keepWarmJob) run(ctx context.Context) (string, error) {
	now := time.Now().UTC()
	runID := "keepwarm-" + now.Format("20060102T150405Z")
	recs, failed, err := j.reader.RecommendAll(ctx, runID, now, keepwarm.DefaultParams())
	if err != nil {
		return "", err
	}
	if err := j.reader.SaveRecommendations(ctx, recs); err != nil {
		return "", err
	}
	j.export(recs)
	for _, e := range failed {
		j.logger.Warn("no recommendation", "err", e)
	}
	summary := summarize(recs)
	if len(failed) > 0 {
		return summary, fmt.Errorf("%d functions failed, first: %w", len(failed), failed[0])
	}
	return summary, nil
}

// export sets the avoidable-cold-start gauges from this run's actions.
func (j *keepWarmJob) export(recs []analyzer.FunctionRecommendation) {
	j.avoided.Reset()
	best := make([]analyzer.FunctionRecommendation, 0, len(recs))
	for _, r := range recs {
		if r.Recommendation.Action != keepwarm.ActionNone {
			best = append(best, r)
		}
	}
	sortByAvoided(best)
	for _, r := range best[:min(len(best), maxExported)] {
		j.avoided.WithLabelValues(r.Tenant, r.Provider, r.AccountID, r.Region, r.FunctionName, r.Recommendation.Action).
			Set(r.Recommendation.ColdStartsAvoidedPerMonth)
	}
}

// summarize counts a run's actions, e.g. "12 functions: 9 none, 2 ping, 1 phase_ping".
func summarize(recs []analyzer.FunctionRecommendation) string {
	counts := map[string]int{}
	var order []string
	for _, r := range recs {
		a := r.Recommendation.Action
		if counts[a] == 0 {
			order = append(order, a)
		}
		counts[a]++
	}
	out := fmt.Sprintf("%d functions", len(recs))
	for i, a := range order {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		out += fmt.Sprintf("%s%d %s", sep, counts[a], a)
	}
	return out
}

// startScheduler registers the jobs and starts the scheduler; runs are
// recorded in the job_runs table of st.
func startScheduler(ctx context.Context, cfg Config, reader *analyzer.Reader, st *storage, reg prometheus.Registerer, logger *slog.Logger) (*scheduler.Scheduler, error) {
	s := scheduler.New(cfg.Scheduler, scheduler.Settings{Conn: st.client.Conn, Logger: logger, Registerer: reg})
	js, err := jobs(jobDeps{cfg: cfg, reader: reader, st: st, reg: reg, logger: logger})
	if err != nil {
		return nil, err
	}
	for _, j := range js {
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

func sortByAvoided(recs []analyzer.FunctionRecommendation) {
	sort.Slice(recs, func(a, b int) bool {
		x, y := recs[a].Recommendation.ColdStartsAvoidedPerMonth, recs[b].Recommendation.ColdStartsAvoidedPerMonth
		if x != y {
			return x > y
		}
		return recs[a].ID < recs[b].ID
	})
}
