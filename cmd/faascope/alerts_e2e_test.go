package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/alerts"
	"github.com/faascope/faascope/dashboard"
	"github.com/faascope/faascope/internal/chtest"
	"github.com/faascope/faascope/internal/notify"
	"github.com/faascope/faascope/internal/notify/notifytest"
	"github.com/faascope/faascope/schemas"
)

// The alert scenario, around b (a whole hour, three hours ago):
//   - account 111: cold-fn starts every call cold from b-20m to b+20m, then
//     runs warm; thr-fn is throttled (concurrency 1, 20 s calls) from b-20m
//     to b+20m, then is not. Neither ran a week earlier.
//   - account 222: a steady function every minute for nine days, and a
//     burst of costly calls in [b, b+10m) and, a week earlier, the same
//     burst 30 minutes later: the daily cost is up from b, and back to
//     the week before's once the earlier burst enters its window, at b+40m.
const (
	coldPhase1 = `functions:
  - {name: cold-fn, plan: aws_lambda, shape: nodejs, region: us-east-1, account: "111111111111", memory_mb: 256,
     duration: {median_ms: 50, sigma: 0}, idle_timeout: 1s, arrival: {pattern: poisson, per_hour: 240}}
  - {name: thr-fn, plan: aws_lambda, shape: nodejs, region: us-east-1, account: "111111111111", memory_mb: 256,
     duration: {median_ms: 20000, sigma: 0}, concurrency: 1, arrival: {pattern: poisson, per_hour: 600}}
`
	coldPhase2 = `functions:
  - {name: cold-fn, plan: aws_lambda, shape: nodejs, region: us-east-1, account: "111111111111", memory_mb: 256,
     duration: {median_ms: 50, sigma: 0}, arrival: {pattern: poisson, per_hour: 240}}
  - {name: thr-fn, plan: aws_lambda, shape: nodejs, region: us-east-1, account: "111111111111", memory_mb: 256,
     duration: {median_ms: 100, sigma: 0}, arrival: {pattern: poisson, per_hour: 600}}
`
	steadyWorkload = `functions:
  - {name: cost-steady, plan: aws_lambda, shape: nodejs, region: us-east-1, account: "222222222222", memory_mb: 128,
     duration: {median_ms: 100, sigma: 0}, arrival: {pattern: periodic, every: 1m}}
`
	burstWorkload = `functions:
  - {name: cost-burst, plan: aws_lambda, shape: nodejs, region: us-east-1, account: "222222222222", memory_mb: 3008,
     duration: {median_ms: 5000, sigma: 0}, arrival: {pattern: periodic, every: 10s}}
`
)

// webhookReceiver records the generic webhook's notifications.
type webhookReceiver struct {
	mu    sync.Mutex
	notes []notify.Notification
}

func (w *webhookReceiver) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var p notify.WebhookPayload
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.notes = append(w.notes, p.Alerts...)
}

// lifecycles are the statuses received per rule and group.
func (w *webhookReceiver) lifecycles() map[string][]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string][]string{}
	for _, n := range w.notes {
		k := n.Rule + " " + alerts.GroupKey(n.Group)
		out[k] = append(out[k], string(n.Status))
	}
	return out
}

// loadgenAt backfills workload over [end-window, end).
func loadgenAt(t *testing.T, grpc, workload string, window string, end time.Time, seed int) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "w.yaml")
	if err := os.WriteFile(file, []byte(workload), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"loadgen", "--endpoint", grpc, "--workload", file, "--backfill", window,
		"--end", end.Format(time.RFC3339), "--seed", fmt.Sprint(seed), "--quiet"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("loadgen exited %d: %s %s", code, out.String(), errOut.String())
	}
}

// TestAlertsFireOnceAndResolveOnce crosses each built-in threshold and
// recovers, evaluating minute by minute on a test clock, with a restart in
// the middle, and checks what a webhook and an Alertmanager received.
func TestAlertsFireOnceAndResolveOnce(t *testing.T) {
	in := startServe(t, "--roles", "collector,api") // no scheduler: the test drives the job's clock
	b := time.Now().UTC().Truncate(time.Hour).Add(-3 * time.Hour)
	week := 7 * 24 * time.Hour
	loadgenAt(t, in.grpc, steadyWorkload, "9d", b.Add(time.Hour), 1)
	loadgenAt(t, in.grpc, burstWorkload, "10m", b.Add(10*time.Minute), 2)
	loadgenAt(t, in.grpc, burstWorkload, "10m", b.Add(-week+40*time.Minute), 3)
	loadgenAt(t, in.grpc, coldPhase1, "40m", b.Add(20*time.Minute), 4)
	loadgenAt(t, in.grpc, coldPhase2, "40m", b.Add(60*time.Minute), 5)
	waitShipped(t, in.api)

	hook := &webhookReceiver{}
	hookSrv := httptest.NewServer(hook)
	t.Cleanup(hookSrv.Close)
	am := notifytest.NewAlertmanager(t)
	cfg := defaultConfig()
	cfg.Alerts.Notifiers = notify.Config{
		Webhooks:      []notify.HTTPConfig{{Name: "hook", URL: hookSrv.URL, MaxAttempts: 1}},
		Alertmanagers: []notify.AlertmanagerConfig{{HTTPConfig: notify.HTTPConfig{Name: "am", URL: am.URL, MaxAttempts: 1}}},
	}
	reader := analyzer.NewReader(in.db.Conn, 30*time.Second)
	newJob := func() (*alertsJob, *prometheus.Registry) {
		reg := prometheus.NewRegistry()
		j, err := newAlertsJob(jobDeps{cfg: cfg, reader: reader, reg: reg, logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return j, reg
	}
	job, _ := newJob()
	ctx := context.Background()
	for at := -20 * time.Minute; at <= 50*time.Minute; at += time.Minute {
		if at == 5*time.Minute {
			// A restart: a new job, states reloaded from ClickHouse, and the
			// minute the old one just evaluated evaluated again.
			if _, err := job.runAt(ctx, b.Add(at)); err != nil {
				t.Fatal(err)
			}
			job, _ = newJob()
		}
		if _, err := job.runAt(ctx, b.Add(at)); err != nil {
			t.Fatalf("at b%+v: %v", at, err)
		}
	}

	want := map[string][]string{
		alerts.RuleColdStartRate + ` account="111111111111",function="cold-fn",provider="aws",region="us-east-1"`: {"firing", "resolved"},
		alerts.RuleThrottleRate + ` account="111111111111",function="thr-fn",provider="aws",region="us-east-1"`:   {"firing", "resolved"},
		alerts.RuleDailyCostIncrease + ` account="222222222222",provider="aws"`:                                   {"firing", "resolved"},
	}
	if got := hook.lifecycles(); !equalLifecycles(got, want) {
		t.Errorf("webhook received %v,\nwant %v", got, want)
	}
	amGot := am.Lifecycles()
	if len(amGot) != 3 {
		t.Errorf("Alertmanager saw %v, want 3 alerts", amGot)
	}
	for labels, states := range amGot {
		if strings.Join(states, ",") != "firing,resolved" {
			t.Errorf("Alertmanager saw %s go %v, want firing then resolved", labels, states)
		}
	}
	checkAlertHistoryAPI(t, in.api)
}

func equalLifecycles(got, want map[string][]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		if strings.Join(got[k], ",") != strings.Join(w, ",") {
			return false
		}
	}
	return true
}

// checkAlertHistoryAPI reads the stored history and states back through
// the API process, which runs no scheduler.
func checkAlertHistoryAPI(t *testing.T, api string) {
	t.Helper()
	var hist struct {
		History []analyzer.AlertEvent `json:"history"`
	}
	getJSON(t, api, "/api/v1/alerts?state=history&from=1d&rule="+alerts.RuleColdStartRate, http.StatusOK, &hist)
	var statuses []string
	for i := len(hist.History) - 1; i >= 0; i-- {
		statuses = append(statuses, hist.History[i].Status)
	}
	if strings.Join(statuses, ",") != "pending,firing,resolved" {
		t.Errorf("cold-start history %v, want pending, firing, resolved", statuses)
	}
	var active struct {
		Alerts []analyzer.ActiveAlert `json:"alerts"`
	}
	getJSON(t, api, "/api/v1/alerts", http.StatusOK, &active)
	if len(active.Alerts) != 0 {
		t.Errorf("still active: %+v", active.Alerts)
	}
}

// A failing notifier is counted and does not keep the others from theirs.
func TestAlertsNotifierFailureIsCounted(t *testing.T) {
	hook := &webhookReceiver{}
	ok := httptest.NewServer(hook)
	t.Cleanup(ok.Close)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no", http.StatusBadRequest) }))
	t.Cleanup(bad.Close)
	reg := prometheus.NewRegistry()
	cfg := defaultConfig()
	cfg.Alerts.Notifiers.Webhooks = []notify.HTTPConfig{{Name: "bad", URL: bad.URL}, {Name: "ok", URL: ok.URL}}
	j, err := newAlertsJob(jobDeps{cfg: cfg, reg: reg, logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	j.send(context.Background(), notify.TestBatch(time.Now(), "acme"))
	if len(hook.lifecycles()) != 1 {
		t.Errorf("the working notifier got %v", hook.lifecycles())
	}
	if v := testutil.ToFloat64(j.metrics.notifications.WithLabelValues("bad", "failed")); v != 1 {
		t.Errorf("failed notifications counted %v, want 1", v)
	}
	if v := testutil.ToFloat64(j.metrics.notifications.WithLabelValues("ok", "sent")); v != 1 {
		t.Errorf("sent notifications counted %v, want 1", v)
	}
}

// Bad config rules stop startup, each problem with its key path.
func TestBadAlertRulesFailStartup(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(file, []byte(`alerts:
  rules:
    - {name: ok-rule, metric: cold_starts, comparator: ge, threshold: 3, window: 15m, severity: info}
    - {name: bad, metric: cold_start_rate, comparator: ge, threshold: 20, window: 30s, severity: page}
  notifiers:
    webhooks: [{name: hook, url: "ftp://hooks.example.com/secret-path"}]
`), 0o600)
	_, err := newFlagSet("serve", io.Discard, true).load([]string{"--config", file}, nil)
	if err == nil {
		t.Fatal("bad rules accepted")
	}
	for _, want := range []string{
		"alerts.rules[1].threshold: 20: cold_start_rate is a share in [0, 1]", "alerts.rules[1].window: 30s: want 1m to 168h",
		`alerts.rules[1].severity: "page"`, "alerts.notifiers.webhooks[0].url",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "secret-path") {
		t.Errorf("the error shows the URL's secret: %v", err)
	}
}

// A bad rule through the API is refused with its field and reason.
func TestPutBadAlertRuleThroughServe(t *testing.T) {
	in := startServe(t, "--roles", "api")
	put := func(body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPut, "http://"+in.api+"/api/v1/alert-rules/mine", strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := put(`{"metric": "cold_start_rate", "comparator": "ge", "threshold": 2, "window": "15m", "severity": "warning"}`); code != http.StatusBadRequest ||
		!strings.Contains(body, "threshold: 2: cold_start_rate is a share in [0, 1]") {
		t.Errorf("bad rule: %d %s", code, body)
	}
	if code, body := put(`{"metric": "cold_starts", "comparator": "ge", "threshold": 2, "window": "15m", "severity": "warning"}`); code != http.StatusCreated {
		t.Errorf("good rule: %d %s", code, body)
	}
	var rules struct{ Rules []analyzer.EffectiveRule }
	getJSON(t, in.api, "/api/v1/alert-rules", http.StatusOK, &rules)
	if n := len(rules.Rules); n != 4 || rules.Rules[3].Source != "api" || rules.Rules[3].Rule.Window != 15*time.Minute {
		t.Errorf("rules after PUT: %+v", rules.Rules)
	}
}

// Notifications whose states are stored go out even when the run's
// context is over (evaluation used the budget, or the scheduler stops).
func TestAlertsSendOutlivesTheRunContext(t *testing.T) {
	hook := &webhookReceiver{}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	cfg := defaultConfig()
	cfg.Alerts.Notifiers.Webhooks = []notify.HTTPConfig{{Name: "hook", URL: srv.URL}}
	j, err := newAlertsJob(jobDeps{cfg: cfg, reg: prometheus.NewRegistry(), logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	j.send(ctx, notify.TestBatch(time.Now(), "acme"))
	if got := hook.lifecycles(); len(got) != 1 {
		t.Errorf("after the run's context ended, the webhook got %v, want the test alert", got)
	}
	if v := testutil.ToFloat64(j.metrics.notifications.WithLabelValues("hook", "sent")); v != 1 {
		t.Errorf("sent %v, want 1", v)
	}
}

// Evaluation leaves sending its time, and each tenant gets an equal share
// of what is left, so a slow tenant cannot use the others' time.
func TestAlertEvaluationBudget(t *testing.T) {
	for _, c := range []struct{ remaining, want time.Duration }{
		{80 * time.Second, alertsSendTimeout}, {alertsTimeout, alertsTimeout / 4}, {20 * time.Second, 5 * time.Second}, {0, 0}, {-time.Second, 0},
	} {
		if got := sendReserve(c.remaining); got != c.want {
			t.Errorf("sendReserve(%s) = %s, want %s", c.remaining, got, c.want)
		}
	}
	for _, c := range []struct {
		remaining time.Duration
		left      int
		want      time.Duration
	}{
		{30 * time.Second, 3, 10 * time.Second}, {30 * time.Second, 1, 30 * time.Second}, {-time.Second, 2, 0}, {time.Second, 0, time.Second},
	} {
		if got := tenantShare(c.remaining, c.left); got != c.want {
			t.Errorf("tenantShare(%s, %d) = %s, want %s", c.remaining, c.left, got, c.want)
		}
	}
	// Without a deadline (the tests' runAt), nothing is bounded.
	if _, ok := func() (time.Time, bool) {
		ctx, cancel := tenantContext(context.Background(), 3)
		defer cancel()
		return ctx.Deadline()
	}(); ok {
		t.Error("a tenant got a deadline its run does not have")
	}
}

// A test send that the receiver neither takes nor refuses is reported as
// failed once its bound passes, not when the HTTP server gives up.
func TestAlertNotifierTestIsBounded(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(hang.Close)
	cfg := defaultConfig()
	cfg.Alerts.Notifiers.Webhooks = []notify.HTTPConfig{{Name: "hook", URL: hang.URL, Timeout: time.Hour}}
	svc, err := newAlertService(cfg.Alerts, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if svc.testTimeout != notifierTestTimeout {
		t.Errorf("test sends bounded by %s, want %s", svc.testTimeout, notifierTestTimeout)
	}
	svc.testTimeout = 100 * time.Millisecond
	err = svc.TestNotifier(context.Background(), "acme", "hook")
	if !errors.Is(err, dashboard.ErrNotifierFailed) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hanging receiver: %v, want a failed test send past its deadline", err)
	}
}

// The alerts job built twice on one registry (as the scheduled jobs are
// by a test or a reload) keeps counting in the first one's metrics.
func TestAlertsJobMetricsAlreadyRegistered(t *testing.T) {
	reg := prometheus.NewRegistry()
	d := jobDeps{cfg: defaultConfig(), reg: reg, logger: slog.New(slog.DiscardHandler)}
	a, err := newAlertsJob(d)
	if err != nil {
		t.Fatal(err)
	}
	b, err := newAlertsJob(d)
	if err != nil {
		t.Fatalf("second alerts job on the same registry: %v", err)
	}
	if a.metrics.evaluations != b.metrics.evaluations || a.metrics.notifications != b.metrics.notifications || a.metrics.unreadable != b.metrics.unreadable {
		t.Error("the second job does not share the first one's metrics")
	}
}

// An unreadable stored API rule is skipped, logged and counted, its
// states left as they were; the built-ins keep running. Re-running the
// same minute (a manual run after the scheduled one) announces nothing
// twice and loses nothing; every notification names its tenant.
func TestAlertsUnreadableRuleAndRerunMinute(t *testing.T) {
	db := chtest.NewDatabase(t)
	ctx := context.Background()
	if _, err := (&schemas.Migrator{Conn: db.Conn, DDLContext: db.DDLContext}).Up(ctx); err != nil {
		t.Fatal(err)
	}
	reader := analyzer.NewReader(db.Conn, 30*time.Second)
	m := time.Now().UTC().Truncate(time.Minute).Add(-time.Hour)
	g := map[string]string{"provider": "aws", "account": "1", "region": "us-east-1", "function": "api"}
	firing := func(rule string) map[string]alerts.State {
		st := alerts.State{RuleName: rule, GroupKey: alerts.GroupKey(g), Labels: g, Status: alerts.StatusFiring,
			ActiveSince: m.Add(-time.Hour), FiredAt: m.Add(-time.Hour), LastNotified: m.Add(-time.Hour), LastValue: 0.5}
		return map[string]alerts.State{st.GroupKey: st}
	}
	for _, rule := range []string{alerts.RuleColdStartRate, "bad"} {
		if err := reader.SaveAlertStates(ctx, "acme", rule, nil, firing(rule), m.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := db.Conn.PrepareBatch(ctx, "INSERT INTO alert_rules (tenant, name, version, deleted, updated, body)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append("acme", "bad", uint64(1), uint8(0), m, `{"name": "bad", "window": 15}`); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}

	hook := &webhookReceiver{}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	cfg := defaultConfig()
	cfg.Alerts.Notifiers.Webhooks = []notify.HTTPConfig{{Name: "hook", URL: srv.URL, MaxAttempts: 1}}
	j, err := newAlertsJob(jobDeps{cfg: cfg, reader: reader, reg: prometheus.NewRegistry(), logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{m, m, m.Add(time.Minute), m.Add(time.Minute)} {
		if _, err := j.runAt(ctx, at); err != nil {
			t.Fatalf("run at %s: %v", at, err)
		}
	}
	want := map[string][]string{alerts.RuleColdStartRate + " " + alerts.GroupKey(g): {"resolved"}}
	if got := hook.lifecycles(); !equalLifecycles(got, want) {
		t.Errorf("webhook received %v, want %v", got, want)
	}
	hook.mu.Lock()
	for _, n := range hook.notes {
		if n.Tenant != "acme" || n.Labels["tenant"] != "acme" {
			t.Errorf("notification without its tenant: %+v", n)
		}
	}
	hook.mu.Unlock()
	states, err := reader.LoadAlertStates(ctx, "acme")
	if err != nil || len(states) != 1 || states["bad"][alerts.GroupKey(g)].Status != alerts.StatusFiring {
		t.Errorf("states %+v (%v), want the unreadable rule's firing state alone, untouched", states, err)
	}
	if v := testutil.ToFloat64(j.metrics.unreadable); v != 4 {
		t.Errorf("unreadable rules counted %v times, want once per run (4)", v)
	}
}
