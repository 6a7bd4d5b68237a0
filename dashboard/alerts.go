package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/alerts"
)

// AlertService is alerting behind the API: rules, states and history as
// stored in ClickHouse (so any process with the api role answers, whichever
// runs the scheduler), and the configured notifiers.
type AlertService interface {
	// ActiveAlerts lists the tenant's pending and firing alerts, at most
	// limit; rule, when set, keeps one rule.
	ActiveAlerts(ctx context.Context, tenant, rule string, limit int) ([]analyzer.ActiveAlert, error)
	// AlertHistory lists status changes, latest first.
	AlertHistory(ctx context.Context, q analyzer.HistoryQuery) ([]analyzer.AlertEvent, error)
	// AlertRules lists the rules that apply to the tenant.
	AlertRules(ctx context.Context, tenant string) ([]analyzer.EffectiveRule, error)
	// PutAlertRule creates or replaces the tenant's API rule (valid: the
	// handler validated it) and reports whether it created it.
	// ErrConfigRule when a configured rule has the name.
	PutAlertRule(ctx context.Context, tenant string, rule alerts.Rule) (created bool, err error)
	// DeleteAlertRule deletes the tenant's API rule; analyzer.ErrNotFound
	// when it has none of that name (built-in and configured rules
	// included: they are not the API's to delete).
	DeleteAlertRule(ctx context.Context, tenant, name string) error
	// Notifiers lists the configured notifiers, without URLs or headers.
	Notifiers() []NotifierInfo
	// TestNotifier sends notify.TestBatch of tenant (the caller's, so the
	// test alert carries the tenant label real ones do) to one notifier
	// and waits for its answer, within a bound shorter than the HTTP
	// server's WriteTimeout: analyzer.ErrNotFound for an unknown name, an
	// error wrapping ErrNotifierFailed (its message free of secrets) when
	// the receiver did not take it in time.
	TestNotifier(ctx context.Context, tenant, name string) error
}

var (
	// ErrConfigRule: a rule of that name is in the config file, which wins.
	ErrConfigRule = errors.New("rule is defined in the config file")
	// ErrNotifierFailed: a notifier's receiver did not take the test send.
	ErrNotifierFailed = errors.New("notifier failed")
)

// NotifierInfo names a notifier and its kind (webhook, slack, alertmanager).
type NotifierInfo struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// maxRuleBody bounds a rule's JSON: a rule with long annotations is a few KiB.
const maxRuleBody = 64 << 10

var errNoAlerts = &apiError{http.StatusServiceUnavailable, "unavailable", "alerting is not available in this process"}

type alertsResponse struct {
	State   string                 `json:"state"` // active or history
	Alerts  []analyzer.ActiveAlert `json:"alerts"`
	History []analyzer.AlertEvent  `json:"history"`
}

type alertRulesResponse struct {
	Rules []analyzer.EffectiveRule `json:"rules"`
}

type notifiersResponse struct {
	Notifiers []NotifierInfo `json:"notifiers"`
}

type notifierTested struct {
	Notifier string `json:"notifier"`
	OK       bool   `json:"ok"`
}

// listAlerts answers GET /alerts: ?state=active (default) or history.
func (s *Server) listAlerts(c *gin.Context) (any, error) {
	if s.deps.Alerts == nil {
		return nil, errNoAlerts
	}
	state, err := enumParam(c, "state", []string{"active", "history"}, "active")
	if err != nil {
		return nil, err
	}
	limit, err := intParam(c, "limit", 100, 1, analyzer.MaxAlertHistory)
	if err != nil {
		return nil, err
	}
	tenant, rule := c.GetString(tenantKey), c.Query("rule")
	if state == "active" {
		if c.Query("from") != "" || c.Query("to") != "" {
			return nil, badRequest("from and to apply to state=history only")
		}
		active, err := s.deps.Alerts.ActiveAlerts(c.Request.Context(), tenant, rule, limit)
		return alertsResponse{State: state, Alerts: active}, err
	}
	f, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	events, err := s.deps.Alerts.AlertHistory(c.Request.Context(),
		analyzer.HistoryQuery{Tenant: tenant, From: f.From, To: f.To, Rule: rule, Limit: limit})
	return alertsResponse{State: state, History: events}, err
}

func (s *Server) listAlertRules(c *gin.Context) (any, error) {
	if s.deps.Alerts == nil {
		return nil, errNoAlerts
	}
	rules, err := s.deps.Alerts.AlertRules(c.Request.Context(), c.GetString(tenantKey))
	return alertRulesResponse{Rules: rules}, err
}

// putAlertRule creates (201) or replaces (200) an API rule.
func (s *Server) putAlertRule(c *gin.Context) (any, error) {
	if s.deps.Alerts == nil {
		return nil, errNoAlerts
	}
	rule, err := readRule(c)
	if err != nil {
		return nil, err
	}
	created, err := s.deps.Alerts.PutAlertRule(c.Request.Context(), c.GetString(tenantKey), rule)
	if errors.Is(err, ErrConfigRule) {
		return nil, &apiError{http.StatusConflict, "conflict", fmt.Sprintf(
			"%q is a rule of the config file (alerts.rules), which wins over the API: rename the rule or edit the config", rule.Name)}
	}
	if err != nil {
		return nil, err
	}
	out := analyzer.EffectiveRule{Rule: rule, Source: analyzer.RuleSourceAPI, Disabled: rule.Disabled}
	if created {
		return withStatus{http.StatusCreated, out}, nil
	}
	return out, nil
}

// readRule reads and validates the body of a PUT: bounded, unknown fields
// rejected, the name the URL's.
func readRule(c *gin.Context) (alerts.Rule, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxRuleBody))
	if err != nil {
		return alerts.Rule{}, &apiError{http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("rule body larger than %d bytes", maxRuleBody)}
	}
	var rule alerts.Rule
	if err := json.Unmarshal(body, &rule); err != nil {
		return alerts.Rule{}, badRequest(err.Error())
	}
	name := c.Param("name")
	switch {
	case rule.Name == "":
		rule.Name = name
	case rule.Name != name:
		return alerts.Rule{}, badRequest(fmt.Sprintf("name: %q differs from the name in the URL, %q", rule.Name, name))
	}
	if err := rule.Validate(); err != nil {
		return alerts.Rule{}, badRequest("invalid rule: " + err.Error())
	}
	return rule, nil
}

func (s *Server) deleteAlertRule(c *gin.Context) (any, error) {
	if s.deps.Alerts == nil {
		return nil, errNoAlerts
	}
	if err := s.deps.Alerts.DeleteAlertRule(c.Request.Context(), c.GetString(tenantKey), c.Param("name")); err != nil {
		return nil, err
	}
	return withStatus{http.StatusNoContent, nil}, nil
}

func (s *Server) listNotifiers(*gin.Context) (any, error) {
	if s.deps.Alerts == nil {
		return nil, errNoAlerts
	}
	return notifiersResponse{Notifiers: s.deps.Alerts.Notifiers()}, nil
}

// testNotifier sends a test notification and answers once the receiver
// has taken it (200) or refused it (502 with its redacted error).
func (s *Server) testNotifier(c *gin.Context) (any, error) {
	if s.deps.Alerts == nil {
		return nil, errNoAlerts
	}
	name := c.Param("name")
	err := s.deps.Alerts.TestNotifier(c.Request.Context(), c.GetString(tenantKey), name)
	if errors.Is(err, ErrNotifierFailed) {
		return nil, &apiError{http.StatusBadGateway, "notifier_failed", err.Error()}
	}
	if err != nil {
		return nil, err
	}
	return notifierTested{Notifier: name, OK: true}, nil
}
