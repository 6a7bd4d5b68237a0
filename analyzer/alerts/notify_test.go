package alerts_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/faascope/faascope/analyzer/alerts"
	"github.com/faascope/faascope/internal/notify"
	"github.com/faascope/faascope/internal/notify/notifytest"
)

// TestEvaluationsThroughAlertmanager runs a rule through ten evaluations
// (two functions breach for a while, then recover) and sends every
// evaluation's notifications to an Alertmanager, refreshes included: it
// must see each function fire once and resolve once, with the rendered
// annotation and the dashboard link.
func TestEvaluationsThroughAlertmanager(t *testing.T) {
	am := notifytest.NewAlertmanager(t)
	n, err := notify.NewAlertmanager(notify.AlertmanagerConfig{HTTPConfig: notify.HTTPConfig{Name: "am", URL: am.URL}}, notify.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	rule := alerts.DefaultRules()[0]
	sample := func(fn string, rate float64) alerts.Sample {
		return alerts.Sample{Group: map[string]string{"provider": "aws", "account": "1", "region": "eu-west-1", "function": fn},
			Value: rate, Invocations: 100, Link: "https://faascope.test/functions/" + fn}
	}
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	var states map[string]alerts.State
	for i := range 10 {
		rate := 0.5
		if i >= 7 {
			rate = 0.05
		}
		var notes []notify.Notification
		states, notes = alerts.Evaluate(rule, states, []alerts.Sample{sample("api", rate), sample("worker", rate)}, start.Add(time.Duration(i)*time.Minute))
		if err := n.Notify(t.Context(), notes); err != nil {
			t.Fatal(err)
		}
	}
	key := func(fn string) string {
		return "account=1,alertname=faascope-cold-start-rate,function=" + fn + ",provider=aws,region=eu-west-1,severity=warning"
	}
	want := map[string][]string{key("api"): {"firing", "resolved"}, key("worker"): {"firing", "resolved"}}
	if got := am.Lifecycles(); !reflect.DeepEqual(got, want) {
		t.Errorf("Alertmanager saw %v, want %v", got, want)
	}
	first := am.Alerts()[0]
	if first.Annotations["summary"] != "api: 50.0% of invocations started cold over 15m (threshold 20.0%)" ||
		first.GeneratorURL != "https://faascope.test/functions/api" || !first.StartsAt.Equal(start) {
		t.Errorf("first alert: %+v", first)
	}
	if len(states) != 0 {
		t.Errorf("states left after recovery: %v", states)
	}
}
