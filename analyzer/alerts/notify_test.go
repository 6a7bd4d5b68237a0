package alerts_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/faascope/faascope/analyzer/alerts"
	"github.com/faascope/faascope/internal/notify"
	"github.com/faascope/faascope/internal/notify/notifytest"
)

// alertmanager is a fake Alertmanager and a notifier posting to it.
func alertmanager(t *testing.T) (*notifytest.Alertmanager, *notify.Alertmanager) {
	t.Helper()
	am := notifytest.NewAlertmanager(t)
	n, err := notify.NewAlertmanager(notify.AlertmanagerConfig{HTTPConfig: notify.HTTPConfig{Name: "am", URL: am.URL}}, notify.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	return am, n
}

// TestEvaluationsThroughAlertmanager runs a rule through ten evaluations
// (two functions breach for a while, then recover) and sends every
// evaluation's notifications to an Alertmanager, refreshes included: it
// must see each function fire once and resolve once, with the rendered
// annotation and the group's link.
func TestEvaluationsThroughAlertmanager(t *testing.T) {
	am, n := alertmanager(t)
	rule := alerts.DefaultRules()[0]
	sample := func(fn string, rate float64) alerts.Sample {
		return alerts.Sample{Group: map[string]string{"provider": "aws", "account": "1", "region": "eu-west-1", "function": fn},
			Value: rate, Invocations: 100, Link: "https://faascope.test/api/v1/functions/" + fn}
	}
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	var states map[string]alerts.State
	for i := range 10 {
		rate := 0.5
		if i >= 7 {
			rate = 0.05
		}
		var notes []notify.Notification
		states, notes = alerts.Evaluate("acme", rule, states, []alerts.Sample{sample("api", rate), sample("worker", rate)}, start.Add(time.Duration(i)*time.Minute))
		if err := n.Notify(t.Context(), notes); err != nil {
			t.Fatal(err)
		}
	}
	key := func(fn string) string {
		return "account=1,alertname=faascope-cold-start-rate,function=" + fn + ",provider=aws,region=eu-west-1,severity=warning,tenant=acme"
	}
	want := map[string][]string{key("api"): {"firing", "resolved"}, key("worker"): {"firing", "resolved"}}
	if got := am.Lifecycles(); !reflect.DeepEqual(got, want) {
		t.Errorf("Alertmanager saw %v, want %v", got, want)
	}
	first := am.Alerts()[0]
	if first.Annotations["summary"] != "api: 50.0% of invocations started cold over 15m (threshold 20.0%)" ||
		first.GeneratorURL != "https://faascope.test/api/v1/functions/api" || !first.StartsAt.Equal(start) {
		t.Errorf("first alert: %+v", first)
	}
	if len(states) != 0 {
		t.Errorf("states left after recovery: %v", states)
	}
}

// Two tenants with the same account and function are two alerts in
// Alertmanager: each fires and resolves on its own.
func TestTenantsAreDistinctAlertsInAlertmanager(t *testing.T) {
	am, n := alertmanager(t)
	rule := alerts.DefaultRules()[0]
	rule.For = 0
	same := []alerts.Sample{{Group: map[string]string{"provider": "aws", "account": "1", "region": "eu-west-1", "function": "api"},
		Value: 0.5, Invocations: 100}}
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	states := map[string]map[string]alerts.State{}
	for i, tenant := range []string{"tenant-a", "tenant-b", "tenant-a"} {
		samples := same
		if i == 2 {
			samples = nil // tenant-a recovers; tenant-b keeps firing
		}
		var notes []notify.Notification
		states[tenant], notes = alerts.Evaluate(tenant, rule, states[tenant], samples, start.Add(time.Duration(i)*time.Minute))
		if err := n.Notify(t.Context(), notes); err != nil {
			t.Fatal(err)
		}
	}
	key := func(tenant string) string {
		return "account=1,alertname=faascope-cold-start-rate,function=api,provider=aws,region=eu-west-1,severity=warning,tenant=" + tenant
	}
	want := map[string][]string{key("tenant-a"): {"firing", "resolved"}, key("tenant-b"): {"firing"}}
	if got := am.Lifecycles(); !reflect.DeepEqual(got, want) {
		t.Errorf("Alertmanager saw %v, want %v", got, want)
	}
}
