package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
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
	// https://faascope.example.com), for the links in notifications: the
	// group's API resource, {external_url}/api/v1/functions/{id} (JSON, for
	// a token). Empty: notifications carry no link.
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
	// alertsSendTimeout is the delivery's own budget, outside the run's
	// context (send); evaluation leaves that much of the run's time, or a
	// quarter of it if less, for it (evaluationContext).
	alertsSendTimeout = 15 * time.Second
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
	unreadable    prometheus.Counter     // API rules skipped, once per evaluation
}

// newAlertsMetrics registers the job's metrics, reusing those a registry
// has already (registerOrReuse). Any other failure is logged: it loses the
// metrics, never the alerts.
func newAlertsMetrics(reg prometheus.Registerer, logger *slog.Logger) alertsMetrics {
	m := alertsMetrics{
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faascope_alert_evaluations_total",
			Help: "Rule evaluations (one rule for one tenant), by result: ok, or error when the rule's query or its state failed.",
		}, []string{"result"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faascope_alert_notifications_total",
			Help: "Firing and resolved notifications handed to a notifier (refreshes not counted), by notifier and result: sent or failed.",
		}, []string{"notifier", "result"}),
		unreadable: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "faascope_alert_rules_unreadable_total",
			Help: "API rules skipped because their stored body cannot be read, counted at every evaluation that skips one: fix them with PUT or DELETE /api/v1/alert-rules/{name}.",
		}),
	}
	var errs []error
	var err error
	m.evaluations, err = registerOrReuse(reg, m.evaluations)
	errs = append(errs, err)
	m.notifications, err = registerOrReuse(reg, m.notifications)
	errs = append(errs, err)
	m.unreadable, err = registerOrReuse(reg, m.unreadable)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		logger.Error("cannot register the alert metrics", "err", err)
	}
	return m
}

func newAlertsJob(d jobDeps) (*alertsJob, error) {
	logger := d.logger.With("job", "alerts")
	ns, err := notify.Build(d.cfg.Alerts.Notifiers, notify.Settings{Logger: logger})
	if err != nil {
		return nil, err
	}
	return &alertsJob{reader: d.reader, cfg: d.cfg.Alerts, notifiers: ns, logger: logger, now: time.Now,
		metrics: newAlertsMetrics(d.reg, logger)}, nil
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
// Evaluation runs within evaluationContext, each tenant within its share
// of it (tenantContext); sending has its own budget (send).
func (j *alertsJob) runAt(ctx context.Context, now time.Time) (string, error) {
	evalCtx, cancel := evaluationContext(ctx)
	defer cancel()
	tenants, err := j.reader.AlertTenants(evalCtx, now.Add(-alerts.MaxWindow-time.Hour))
	if err != nil {
		return "", err
	}
	var st runStats
	var notes []notify.Notification
	var errs []error
	for i, tenant := range tenants {
		tenantCtx, cancel := tenantContext(evalCtx, len(tenants)-i)
		n, err := j.evaluateTenant(tenantCtx, tenant, now, &st)
		cancel()
		notes = append(notes, n...)
		errs = append(errs, err)
	}
	st.tenants, st.notes = len(tenants), countAnnounced(notes)
	j.send(ctx, notes)
	j.prune(ctx, now)
	summary := fmt.Sprintf("%d tenants, %d rule evaluations, %d failed, %d notifications", st.tenants, st.rules, st.failed, st.notes)
	return summary, errors.Join(errs...)
}

// evaluationContext is the run's context less the time sending needs:
// alertsSendTimeout, or a quarter of the time left if that is less. The
// send budget is not taken from ctx (send), but leaving room for it keeps
// a whole run, delivery included, within the minute (37.5s of evaluation
// and at most 15s of sending with the default 50s timeout).
func evaluationContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline.Add(-sendReserve(time.Until(deadline))))
}

// sendReserve is what evaluation leaves of remaining for sending.
func sendReserve(remaining time.Duration) time.Duration {
	return min(alertsSendTimeout, max(remaining, 0)/4)
}

// tenantContext bounds one tenant's evaluation to an equal share of the
// evaluation time left among the left tenants still to evaluate (this one
// included), so that one slow tenant cannot starve the others: it fails
// its own rules when its share runs out (they are evaluated again next
// minute, their states unchanged), and the time a fast tenant leaves goes
// to those after it.
func tenantContext(ctx context.Context, left int) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, tenantShare(time.Until(deadline), left))
}

// tenantShare is one of left equal shares of remaining.
func tenantShare(remaining time.Duration, left int) time.Duration {
	return max(remaining, 0) / time.Duration(max(left, 1))
}

// evaluateTenant evaluates the rules that apply to one tenant and returns
// the notifications of those whose states were stored. Rules whose stored
// states have no rule any more (an API rule deleted) are evaluated as
// disabled, which resolves what they had firing. An API rule that cannot
// be read is skipped with its states left as they are (skippedRules): its
// alerts neither fire nor resolve until it is fixed, and every other rule
// runs.
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
	skipped := j.skippedRules(tenant, api.Unreadable)
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
	for _, er := range analyzer.EffectiveAlertRules(j.cfg.Rules, api.Rules) {
		prev := states[er.Rule.Name]
		delete(states, er.Rule.Name)
		if !skipped[er.Rule.Name] && (!er.Disabled || len(prev) > 0) {
			evaluate(er.Rule, prev)
		}
	}
	for name := range skipped {
		delete(states, name)
	}
	for name, prev := range states {
		evaluate(alerts.Rule{Name: name, Disabled: true}, prev)
	}
	return notes, errors.Join(errs...)
}

// skippedRules logs and counts the tenant's unreadable API rules and
// returns the names to skip: all but those a configured rule has, which
// wins over the API (EffectiveAlertRules) and runs. A built-in the
// unreadable rule replaced is skipped too, rather than silently taking
// over its states.
func (j *alertsJob) skippedRules(tenant string, unreadable []string) map[string]bool {
	skipped := map[string]bool{}
	for _, name := range unreadable {
		j.metrics.unreadable.Inc()
		j.logger.Warn("API alert rule skipped: its stored body cannot be read; PUT or DELETE it",
			"tenant", tenant, "rule", name)
		if !slices.ContainsFunc(j.cfg.Rules, func(r alerts.Rule) bool { return r.Name == name }) {
			skipped[name] = true
		}
	}
	return skipped
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
	next, notes := alerts.Evaluate(tenant, rule, prev, samples, now)
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
// failing receiver delays or loses only its own copy. It has its own
// budget, alertsSendTimeout, outside ctx's cancellation and deadline: the
// states behind these notifications are stored, and the next evaluation
// will not announce them again, so they must go out even when evaluation
// used the run's time or the scheduler is stopping.
func (j *alertsJob) send(ctx context.Context, notes []notify.Notification) {
	if len(notes) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), alertsSendTimeout)
	defer cancel()
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
