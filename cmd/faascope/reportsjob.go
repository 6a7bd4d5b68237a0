package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/internal/scheduler"
)

// reportsJobSpec is the monthly billing report job: at 00:30 UTC on the
// 1st (the scheduler's specs are UTC) for the month before, late enough
// for the last spans of the month to have been shipped. A report made
// too early can be regenerated (POST /api/v1/reports/{month}/generate, or
// running the job again).
func reportsJobSpec(d jobDeps) scheduler.Job {
	j := newReportsJob(analyzer.NewReports(d.reader, d.cfg.Billing.PricesFile), d.reg, d.logger)
	return scheduler.Job{Name: "reports", Spec: "30 0 1 * *", Timeout: 30 * time.Minute, Run: j.run}
}

// reportsJob stores the month before's report of every tenant with usage
// in it or in the month before that. Storing replaces, so running it again
// (a retry, a manual run, a second scheduler by mistake) never duplicates.
type reportsJob struct {
	reports *analyzer.Reports
	logger  *slog.Logger
	now     func() time.Time
	results *prometheus.CounterVec
}

func newReportsJob(reports *analyzer.Reports, reg prometheus.Registerer, logger *slog.Logger) *reportsJob {
	j := &reportsJob{reports: reports, logger: logger.With("job", "reports"), now: time.Now,
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faascope_reports_generated_total",
			Help: "Monthly billing reports the reports job made and stored (result ok), or failed to (result error), one per tenant and run.",
		}, []string{"result"})}
	// Any failure but a registry that has the counter already only loses
	// the metric, never the reports.
	var err error
	if j.results, err = registerOrReuse(reg, j.results); err != nil {
		j.logger.Error("cannot register the report metrics", "err", err)
	}
	return j
}

// registerOrReuse registers c on reg, or returns the collector reg already
// has in its place (the scheduled jobs built twice on one registry, as a
// test or a reload does), which keeps counting. Any other error is
// returned with c, so the caller may go on with an unregistered metric.
func registerOrReuse[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if dup, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
		if existing, ok := dup.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	if err != nil {
		return c, fmt.Errorf("cannot register a metric: %w", err)
	}
	return c, nil
}

// run reports on the month before now's. A tenant that fails is logged
// and counted; the others are still reported, and the run fails at the
// end so that job_runs shows it.
func (j *reportsJob) run(ctx context.Context) (string, error) {
	now := j.now().UTC()
	month := analyzer.MonthStart(now).AddDate(0, -1, 0)
	tenants, err := j.reports.Tenants(ctx, month)
	if err != nil {
		return "", err
	}
	var failed []error
	for _, tenant := range tenants {
		if _, err := j.reports.Generate(ctx, tenant, month, now); err != nil {
			j.results.WithLabelValues("error").Inc()
			j.logger.Warn("no report", "tenant", tenant, "month", month.Format("2006-01"), "err", err)
			failed = append(failed, fmt.Errorf("tenant %s: %w", tenant, err))
			continue
		}
		j.results.WithLabelValues("ok").Inc()
	}
	summary := fmt.Sprintf("%s: %d of %d tenants reported", month.Format("2006-01"), len(tenants)-len(failed), len(tenants))
	if len(failed) > 0 {
		return summary, fmt.Errorf("%d tenants failed: %w", len(failed), errors.Join(failed...))
	}
	return summary, nil
}
