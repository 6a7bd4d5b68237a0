package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/alerts"
	"github.com/faascope/faascope/internal/notify"
	"github.com/faascope/faascope/internal/scheduler"
)

// AlertsConfig is the alerts section of the config (docs/alerts.md).
type AlertsConfig struct {
	// Rules apply to every tenant, next to the built-ins (which a rule of
	// the same name replaces or disables) and each tenant's API rules.
	Rules []alerts.Rule `yaml:"rules"`
	// Notifiers receive every notification.
	Notifiers notify.Config `yaml:"notifiers"`
	// ExternalURL is where users reach faascope's API (e.g.
	// https://faascope.example.com), for the links in notifications; empty:
	// notifications carry no link.
	ExternalURL string `yaml:"external_url"`
}

// Validate reports every problem with its key.
func (c AlertsConfig) Validate() error {
	errs := []error{alerts.ValidateRules("alerts.rules", c.Rules)}
	if err := c.Notifiers.Validate(); err != nil {
		errs = append(errs, err)
	} else if _, err := notify.Build(c.Notifiers, notify.Settings{}); err != nil {
		errs = append(errs, fmt.Errorf("alerts.notifiers: %w", err))
	}
	if c.ExternalURL != "" {
		u, err := url.Parse(c.ExternalURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, errors.New("alerts.external_url: want an absolute http:// or https:// URL"))
		}
	}
	return errors.Join(errs...)
}

// linkBase is ExternalURL without a trailing slash.
func (c AlertsConfig) linkBase() string { return strings.TrimRight(c.ExternalURL, "/") }

// The alerts job's schedule: every minute, done well within the minute.
const (
	alertsSpec    = "@every 1m"
	alertsTimeout = 50 * time.Second
)

// alertsJob evaluates every rule for every tenant with recent traffic or
// alerts still active, stores the states, then notifies (docs/alerts.md).
type alertsJob struct {
	reader    *analyzer.Reader
	cfg       AlertsConfig
	notifiers []notify.Notifier
	logger    *slog.Logger
	now       func() time.Time
	metrics   alertsMetrics
	lastPrune time.Time
}

type alertsMetrics struct {
	evaluations   *prometheus.CounterVec // by result: ok, error
	notifications *prometheus.CounterVec // by notifier and result: sent, failed
}

func newAlertsMetrics(reg prometheus.Registerer) (alertsMetrics, error) {
	m := alertsMetrics{
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faascope_alert_evaluations_total",
			Help: "Rule evaluations (one rule for one tenant), by result: ok, or error when the rule's query or its state failed.",
		}, []string{"result"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faascope_alert_notifications_total",
			Help: "Firing and resolved notifications handed to a notifier (refreshes not counted), by notifier and result: sent or failed.",
		}, []string{"notifier", "result"}),
	}
	for _, c := range []prometheus.Collector{m.evaluations, m.notifications} {
		if err := reg.Register(c); err != nil {
			return m, fmt.Errorf("cannot register the alert metrics: %w", err)
		}
	}
	return m, nil
}

func newAlertsJob(d jobDeps) (*alertsJob, error) {
	logger := d.logger.With("job", "alerts")
	ns, err := notify.Build(d.cfg.Alerts.Notifiers, notify.Settings{Logger: logger})
	if err != nil {
		return nil, err
	}
	m, err := newAlertsMetrics(d.reg)
	if err != nil {
		return nil, err
	}
	return &alertsJob{reader: d.reader, cfg: d.cfg.Alerts, notifiers: ns, logger: logger, now: time.Now, metrics: m}, nil
}

// alertsJobSpec is the alerts job for the registry (jobs). Its notifiers
// cannot fail to build from a validated config (AlertsConfig.Validate
// builds them); should anything else fail, every run reports it.
func alertsJobSpec(d jobDeps) scheduler.Job {
	job := scheduler.Job{Name: "alerts", Spec: alertsSpec, Timeout: alertsTimeout}
	j, err := newAlertsJob(d)
	if err != nil {
		d.logger.Error("the alerts job cannot run", "err", err)
		job.Run = func(context.Context) (string, error) { return "", err }
		return job
	}
	job.Run = j.run
	return job
}

func (j *alertsJob) run(ctx context.Context) (string, error) {
	return j.runAt(ctx, j.now().UTC().Truncate(time.Minute))
}

// runStats counts what one run did, for its summary.
type runStats struct {
	tenants, rules, failed, notes int
}

// runAt evaluates at now: the tests drive it with their own clock.
func (j *alertsJob) runAt(ctx context.Context, now time.Time) (string, error) {
	tenants, err := j.reader.AlertTenants(ctx, now.Add(-alerts.MaxWindow-time.Hour))
	if err != nil {
		return "", err
	}
	var st runStats
	var notes []notify.Notification
	var errs []error
	for _, tenant := range tenants {
		n, err := j.evaluateTenant(ctx, tenant, now, &st)
		notes = append(notes, n...)
		errs = append(errs, err)
	}
	st.tenants, st.notes = len(tenants), countAnnounced(notes)
	j.send(ctx, notes)
	j.prune(ctx, now)
	summary := fmt.Sprintf("%d tenants, %d rule evaluations, %d failed, %d notifications", st.tenants, st.rules, st.failed, st.notes)
	return summary, errors.Join(errs...)
}

// evaluateTenant evaluates the rules that apply to one tenant and returns
// the notifications of those whose states were stored. Rules whose stored
// states have no rule any more (an API rule deleted) are evaluated as
// disabled, which resolves what they had firing.
func (j *alertsJob) evaluateTenant(ctx context.Context, tenant string, now time.Time, st *runStats) ([]notify.Notification, error) {
	api, err := j.reader.APIAlertRules(ctx, tenant)
	if err != nil {
		st.failed++
		return nil, fmt.Errorf("tenant %s: %w", tenant, err)
	}
	states, err := j.reader.LoadAlertStates(ctx, tenant)
	if err != nil {
		st.failed++
		return nil, fmt.Errorf("tenant %s: %w", tenant, err)
	}
	src := j.reader.AlertSource(tenant, j.cfg.linkBase())
	var notes []notify.Notification
	var errs []error
	evaluate := func(rule alerts.Rule, prev map[string]alerts.State) {
		st.rules++
		n, err := j.evaluateRule(ctx, src, tenant, rule, prev, now)
		if err != nil {
			st.failed++
			j.metrics.evaluations.WithLabelValues("error").Inc()
			j.logger.Warn("alert rule not evaluated", "tenant", tenant, "rule", rule.Name, "err", err)
			errs = append(errs, fmt.Errorf("tenant %s rule %s: %w", tenant, rule.Name, err))
			return
		}
		j.metrics.evaluations.WithLabelValues("ok").Inc()
		notes = append(notes, n...)
	}
	for _, er := range analyzer.EffectiveAlertRules(j.cfg.Rules, api) {
		prev := states[er.Rule.Name]
		delete(states, er.Rule.Name)
		if !er.Disabled || len(prev) > 0 {
			evaluate(er.Rule, prev)
		}
	}
	for name, prev := range states {
		evaluate(alerts.Rule{Name: name, Disabled: true}, prev)
	}
	return notes, errors.Join(errs...)
}

// evaluateRule measures one rule, steps its states and stores them before
// returning the notifications: a failed query or store leaves the stored
// states as they were and announces nothing, so the next run decides again.
func (j *alertsJob) evaluateRule(ctx context.Context, src alerts.Source, tenant string, rule alerts.Rule,
	prev map[string]alerts.State, now time.Time) ([]notify.Notification, error) {
	var samples []alerts.Sample
	if !rule.Disabled {
		var err error
		if samples, err = src.Samples(ctx, rule, now); err != nil {
			return nil, err
		}
	}
	next, notes := alerts.Evaluate(rule, prev, samples, now)
	if err := j.reader.SaveAlertStates(ctx, tenant, rule.Name, prev, next, now); err != nil {
		return nil, err
	}
	// The states are stored: the notifications go out even if the history
	// (a record for people, not for the evaluation) cannot be written.
	if err := j.reader.AppendAlertHistory(ctx, tenant, rule.Name, prev, next, now); err != nil {
		j.logger.Warn("alert history not recorded", "tenant", tenant, "rule", rule.Name, "err", err)
	}
	return notes, nil
}

// send hands the run's notifications to every notifier at once: a slow or
// failing receiver delays or loses only its own copy.
func (j *alertsJob) send(ctx context.Context, notes []notify.Notification) {
	if len(notes) == 0 {
		return
	}
	announced := float64(countAnnounced(notes))
	var wg sync.WaitGroup
	for _, n := range j.notifiers {
		wg.Go(func() {
			if err := n.Notify(ctx, notes); err != nil {
				j.metrics.notifications.WithLabelValues(n.Name(), "failed").Add(announced)
				j.logger.Warn("notifications not delivered", "notifier", n.Name(), "count", len(notes), "err", err)
				return
			}
			j.metrics.notifications.WithLabelValues(n.Name(), "sent").Add(announced)
		})
	}
	wg.Wait()
}

// countAnnounced counts the notifications that are news (not refreshes).
func countAnnounced(notes []notify.Notification) int {
	n := 0
	for _, x := range notes {
		if !x.Refresh {
			n++
		}
	}
	return n
}

// prune drops alert history past its retention, at most hourly.
func (j *alertsJob) prune(ctx context.Context, now time.Time) {
	if now.Sub(j.lastPrune) < time.Hour {
		return
	}
	n, err := j.reader.PruneAlertHistory(ctx, now.Add(-analyzer.AlertHistoryRetention))
	if err != nil {
		j.logger.Warn("alert history not pruned", "err", err)
		return
	}
	j.lastPrune = now
	if n > 0 {
		j.logger.Info("alert history pruned", "partitions", n)
	}
}
