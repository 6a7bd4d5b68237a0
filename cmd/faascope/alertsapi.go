package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/alerts"
	"github.com/faascope/faascope/dashboard"
	"github.com/faascope/faascope/internal/notify"
)

// alertService is dashboard.AlertService over ClickHouse and the
// configured notifiers. It keeps no state of its own, so an api process
// answers for the alerts job of another process.
type alertService struct {
	reader    *analyzer.Reader
	cfg       AlertsConfig
	notifiers []notify.Notifier
	now       func() time.Time
	// testTimeout bounds a test send (notifierTestTimeout; shorter in tests).
	testTimeout time.Duration
}

// notifierTestTimeout bounds POST /notifiers/{name}/test, retries
// included, well within the HTTP server's WriteTimeout (2 minutes), so
// that the caller always gets an answer rather than a cut connection.
const notifierTestTimeout = 30 * time.Second

var _ dashboard.AlertService = (*alertService)(nil)

func newAlertService(cfg AlertsConfig, reader *analyzer.Reader, logger *slog.Logger) (*alertService, error) {
	ns, err := notify.Build(cfg.Notifiers, notify.Settings{Logger: logger.With("component", "alerts-api")})
	if err != nil {
		return nil, err
	}
	return &alertService{reader: reader, cfg: cfg, notifiers: ns, now: time.Now, testTimeout: notifierTestTimeout}, nil
}

func (a *alertService) ActiveAlerts(ctx context.Context, tenant, rule string, limit int) ([]analyzer.ActiveAlert, error) {
	return a.reader.ActiveAlerts(ctx, tenant, rule, limit)
}

func (a *alertService) AlertHistory(ctx context.Context, q analyzer.HistoryQuery) ([]analyzer.AlertEvent, error) {
	return a.reader.AlertHistory(ctx, q)
}

func (a *alertService) AlertRules(ctx context.Context, tenant string) ([]analyzer.EffectiveRule, error) {
	api, err := a.reader.APIAlertRules(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return analyzer.EffectiveAlertRules(a.cfg.Rules, api.Rules), nil
}

func (a *alertService) PutAlertRule(ctx context.Context, tenant string, rule alerts.Rule) (bool, error) {
	if slices.ContainsFunc(a.cfg.Rules, func(r alerts.Rule) bool { return r.Name == rule.Name }) {
		return false, dashboard.ErrConfigRule
	}
	api, err := a.reader.APIAlertRules(ctx, tenant)
	if err != nil {
		return false, err
	}
	exists := slices.ContainsFunc(api.Rules, func(r alerts.Rule) bool { return r.Name == rule.Name }) ||
		slices.Contains(api.Unreadable, rule.Name)
	if !exists && api.Count() >= analyzer.MaxAPIRules {
		return false, fmt.Errorf("%w: the tenant has %d rules set through the API, the most allowed: delete one first",
			analyzer.ErrInvalid, api.Count())
	}
	return !exists, a.reader.PutAlertRule(ctx, tenant, rule, a.now())
}

func (a *alertService) DeleteAlertRule(ctx context.Context, tenant, name string) error {
	return a.reader.DeleteAlertRule(ctx, tenant, name, a.now())
}

func (a *alertService) Notifiers() []dashboard.NotifierInfo {
	out := make([]dashboard.NotifierInfo, len(a.notifiers))
	for i, n := range a.notifiers {
		out[i] = dashboard.NotifierInfo{Name: n.Name(), Kind: notifierKind(n)}
	}
	return out
}

func notifierKind(n notify.Notifier) string {
	switch n.(type) {
	case *notify.Slack:
		return "slack"
	case *notify.Alertmanager:
		return "alertmanager"
	}
	return "webhook"
}

// TestNotifier sends the test batch within testTimeout: a receiver that
// hangs or keeps asking to retry is reported as failed in time.
func (a *alertService) TestNotifier(ctx context.Context, tenant, name string) error {
	i := slices.IndexFunc(a.notifiers, func(n notify.Notifier) bool { return n.Name() == name })
	if i < 0 {
		return fmt.Errorf("%w: no notifier %q in alerts.notifiers", analyzer.ErrNotFound, name)
	}
	ctx, cancel := context.WithTimeout(ctx, a.testTimeout)
	defer cancel()
	if err := a.notifiers[i].Notify(ctx, notify.TestBatch(a.now().UTC(), tenant)); err != nil {
		// notify's errors quote the receiver's status and answer, never the URL.
		return fmt.Errorf("%w: %w", dashboard.ErrNotifierFailed, err)
	}
	return nil
}
