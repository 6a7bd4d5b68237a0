package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/alerts"
)

// fakeAlerts answers from memory and records what it was asked.
type fakeAlerts struct {
	tenant    string
	rule      string
	limit     int
	history   analyzer.HistoryQuery
	put       *alerts.Rule
	config    []string // names of config rules
	api       map[string]bool
	testErr   error
	testedFor string // the tenant of the latest test send
}

func (f *fakeAlerts) ActiveAlerts(_ context.Context, tenant, rule string, limit int) ([]analyzer.ActiveAlert, error) {
	f.tenant, f.rule, f.limit = tenant, rule, limit
	return []analyzer.ActiveAlert{{Rule: "r", Fingerprint: "fp", Group: map[string]string{"function": "f"}, Status: "firing",
		Value: 0.5, ActiveSince: now}}, nil
}

func (f *fakeAlerts) AlertHistory(_ context.Context, q analyzer.HistoryQuery) ([]analyzer.AlertEvent, error) {
	f.history = q
	return []analyzer.AlertEvent{{Rule: "r", Status: "resolved", At: now}}, nil
}

func (f *fakeAlerts) AlertRules(_ context.Context, tenant string) ([]analyzer.EffectiveRule, error) {
	f.tenant = tenant
	return analyzer.EffectiveAlertRules(nil, nil), nil
}

func (f *fakeAlerts) PutAlertRule(_ context.Context, tenant string, rule alerts.Rule) (bool, error) {
	if slices.Contains(f.config, rule.Name) {
		return false, ErrConfigRule
	}
	f.tenant, f.put = tenant, &rule
	created := !f.api[rule.Name]
	f.api[rule.Name] = true
	return created, nil
}

func (f *fakeAlerts) DeleteAlertRule(_ context.Context, tenant, name string) error {
	f.tenant = tenant
	if !f.api[name] {
		return fmt.Errorf("%w: no alert rule %q", analyzer.ErrNotFound, name)
	}
	delete(f.api, name)
	return nil
}

func (f *fakeAlerts) Notifiers() []NotifierInfo {
	return []NotifierInfo{{Name: "hook", Kind: "webhook"}}
}

func (f *fakeAlerts) TestNotifier(_ context.Context, tenant, name string) error {
	f.testedFor = tenant
	if name != "hook" {
		return fmt.Errorf("%w: no notifier %q", analyzer.ErrNotFound, name)
	}
	return f.testErr
}

var _ AlertService = (*fakeAlerts)(nil)

func alertsServer(t *testing.T, a AlertService) http.Handler {
	s := newAuthServer(t, &fakeAnalyzer{})
	s.deps.Alerts = a
	return s.Handler()
}

func send(h http.Handler, method, path, token, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

const goodRule = `{"metric": "cold_start_rate", "group_by": ["function"], "comparator": ">=", "threshold": 0.3,
	"window": "10m", "for": "5m", "min_invocations": 50, "severity": "critical"}`

func TestListAlerts(t *testing.T) {
	fa := &fakeAlerts{}
	h := alertsServer(t, fa)
	rec := call(h, "/api/v1/alerts?rule=r&limit=7", acmeToken)
	var got alertsResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK || got.State != "active" ||
		len(got.Alerts) != 1 || got.History == nil || fa.tenant != "acme" || fa.rule != "r" || fa.limit != 7 {
		t.Fatalf("%d %s (asked %+v)", rec.Code, rec.Body.String(), fa)
	}
	rec = call(h, "/api/v1/alerts?state=history&from=2026-11-22T00:00:00Z&to=2026-11-22T06:00:00Z", globexToken)
	if rec.Code != http.StatusOK || fa.history.Tenant != "globex" || !fa.history.From.Equal(date(2026, 11, 22, 0)) ||
		!fa.history.To.Equal(date(2026, 11, 22, 6)) || fa.history.Limit != 100 || !strings.Contains(rec.Body.String(), `"resolved"`) {
		t.Errorf("history: %d %s (asked %+v)", rec.Code, rec.Body.String(), fa.history)
	}
	for path, want := range map[string]string{
		"/api/v1/alerts?state=pending":               "state: must be one of active, history",
		"/api/v1/alerts?from=1h":                     "from and to apply to state=history only",
		"/api/v1/alerts?limit=0":                     "limit: must be an integer from 1 to 1000",
		"/api/v1/alerts?state=history&from=nonsense": "from:",
	} {
		rec := call(h, path, acmeToken)
		if rec.Code != http.StatusBadRequest || !strings.Contains(decodeError(t, rec).Error.Message, want) {
			t.Errorf("%s: %d %s, want 400 saying %q", path, rec.Code, rec.Body.String(), want)
		}
	}
}

func TestAlertRuleRoutes(t *testing.T) {
	fa := &fakeAlerts{config: []string{"from-config"}, api: map[string]bool{}}
	h := alertsServer(t, fa)
	if rec := call(h, "/api/v1/alert-rules", acmeToken); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"source":"builtin"`) {
		t.Errorf("list: %d %s", rec.Code, rec.Body.String())
	}
	for _, c := range []struct {
		name, method, path, token, body string
		status                          int
		says                            string
	}{
		{"read token cannot put", http.MethodPut, "/api/v1/alert-rules/mine", acmeToken, goodRule, http.StatusForbidden, ""},
		{"created", http.MethodPut, "/api/v1/alert-rules/mine", globexToken, goodRule, http.StatusCreated, `"source":"api"`},
		{"replaced", http.MethodPut, "/api/v1/alert-rules/mine", globexToken, goodRule, http.StatusOK, `"window":"10m"`},
		{"bad threshold and window", http.MethodPut, "/api/v1/alert-rules/bad", globexToken,
			strings.Replace(strings.Replace(goodRule, "0.3", "30", 1), `"10m"`, `"30s"`, 1), http.StatusBadRequest,
			"threshold: 30: cold_start_rate is a share in [0, 1]"},
		{"bad window too", http.MethodPut, "/api/v1/alert-rules/bad", globexToken,
			strings.Replace(goodRule, `"10m"`, `"30s"`, 1), http.StatusBadRequest, "window: 30s: want 1m to 168h"},
		{"unknown field", http.MethodPut, "/api/v1/alert-rules/bad", globexToken, `{"metrik": "x"}`, http.StatusBadRequest, `unknown field "metrik"`},
		{"bad duration", http.MethodPut, "/api/v1/alert-rules/bad", globexToken, `{"window": "soon"}`, http.StatusBadRequest, `window: "soon" is not a duration`},
		{"name differs", http.MethodPut, "/api/v1/alert-rules/bad", globexToken, `{"name": "other"}`, http.StatusBadRequest, "differs from the name in the URL"},
		{"config wins", http.MethodPut, "/api/v1/alert-rules/from-config", globexToken, goodRule, http.StatusConflict, "config file"},
		{"too large", http.MethodPut, "/api/v1/alert-rules/big", globexToken,
			`{"annotations": {"summary": "` + strings.Repeat("x", maxRuleBody) + `"}}`, http.StatusRequestEntityTooLarge, "larger than"},
		{"read token cannot delete", http.MethodDelete, "/api/v1/alert-rules/mine", acmeToken, "", http.StatusForbidden, ""},
		{"deleted", http.MethodDelete, "/api/v1/alert-rules/mine", globexToken, "", http.StatusNoContent, ""},
		{"not an API rule", http.MethodDelete, "/api/v1/alert-rules/" + alerts.RuleColdStartRate, globexToken, "", http.StatusNotFound, "no alert rule"},
	} {
		rec := send(h, c.method, c.path, c.token, c.body)
		if rec.Code != c.status || !strings.Contains(messageOrBody(rec), c.says) {
			t.Errorf("%s: %d %s, want %d saying %q", c.name, rec.Code, rec.Body.String(), c.status, c.says)
		}
	}
	if fa.put == nil || fa.put.Name != "mine" || fa.put.Window != 10*time.Minute || fa.tenant != "globex" {
		t.Errorf("stored %+v for %q", fa.put, fa.tenant)
	}
}

func TestNotifierRoutes(t *testing.T) {
	fa := &fakeAlerts{}
	h := alertsServer(t, fa)
	if rec := call(h, "/api/v1/notifiers", acmeToken); rec.Body.String() != `{"notifiers":[{"name":"hook","kind":"webhook"}]}` {
		t.Errorf("list: %d %s", rec.Code, rec.Body.String())
	}
	for _, c := range []struct {
		name, path, token string
		err               error
		status            int
		says              string
	}{
		{"read token", "/api/v1/notifiers/hook/test", acmeToken, nil, http.StatusForbidden, ""},
		{"sent", "/api/v1/notifiers/hook/test", globexToken, nil, http.StatusOK, `{"notifier":"hook","ok":true}`},
		{"failed", "/api/v1/notifiers/hook/test", globexToken, fmt.Errorf("%w: receiver answered 500", ErrNotifierFailed), http.StatusBadGateway, "receiver answered 500"},
		{"unknown", "/api/v1/notifiers/nope/test", globexToken, nil, http.StatusNotFound, "no notifier"},
	} {
		fa.testErr = c.err
		rec := send(h, http.MethodPost, c.path, c.token, "")
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.says) {
			t.Errorf("%s: %d %s, want %d saying %q", c.name, rec.Code, rec.Body.String(), c.status, c.says)
		}
		if c.status == http.StatusOK && fa.testedFor != "globex" {
			t.Errorf("%s: the test send is for tenant %q, want the token's, globex", c.name, fa.testedFor)
		}
	}
}

func TestAlertRoutesWithoutAlerting(t *testing.T) {
	h := alertsServer(t, nil)
	for _, path := range []string{"/api/v1/alerts", "/api/v1/alert-rules", "/api/v1/notifiers"} {
		if rec := call(h, path, acmeToken); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
}

// ruleJSONFields mirrors alerts.Rule's JSON form (its MarshalJSON writes
// durations as strings) for the OpenAPI schema check.
type ruleJSONFields struct {
	Name           string `json:"name"`
	Metric         string `json:"metric"`
	Filter         any    `json:"filter"`
	GroupBy        any    `json:"group_by"`
	Comparator     string `json:"comparator"`
	Threshold      any    `json:"threshold"`
	Window         string `json:"window"`
	For            string `json:"for"`
	MinInvocations any    `json:"min_invocations"`
	Severity       string `json:"severity"`
	Labels         any    `json:"labels"`
	Annotations    any    `json:"annotations"`
	RepeatInterval string `json:"repeat_interval"`
	Disabled       bool   `json:"disabled"`
}

func TestRuleJSONFieldsMirrorTheRule(t *testing.T) {
	full := alerts.Rule{Name: "n", Window: time.Minute, For: time.Minute, RepeatInterval: time.Hour,
		Labels: map[string]string{"a": "b"}, Annotations: map[string]string{"a": "b"}}
	body, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := json.Unmarshal(body, &keys); err != nil {
		t.Fatal(err)
	}
	if got, want := slices.Sorted(maps.Keys(keys)), jsonFields(reflect.TypeOf(ruleJSONFields{})); !slices.Equal(got, want) {
		t.Errorf("alerts.Rule JSON has %v, the mirror %v", got, want)
	}
}

// messageOrBody is an error answer's message, else the body.
func messageOrBody(rec *httptest.ResponseRecorder) string {
	var body errorBody
	if json.Unmarshal(rec.Body.Bytes(), &body) == nil && body.Error.Message != "" {
		return body.Error.Message
	}
	return rec.Body.String()
}
