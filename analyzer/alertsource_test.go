package analyzer_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/alerts"
	"github.com/faascope/faascope/schemas"
)

// samples measures a rule of metric m over [t0+at-window, t0+at), by group key.
func samples(t *testing.T, r *analyzer.Reader, m alerts.Metric, window, at time.Duration, by ...string) map[string]alerts.Sample {
	t.Helper()
	rule := alerts.Rule{Name: "r", Metric: m, GroupBy: by, Window: window}
	got, err := r.AlertSource("t1", "https://fs.example").Samples(context.Background(), rule, t0.Add(at))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]alerts.Sample{}
	for _, s := range got {
		out[alerts.GroupKey(s.Group)] = s
	}
	return out
}

// Per function, every count and rate metric equals the function list for
// the same range, inferred cold starts and adopted orphan throttles included.
func TestAlertSamplesEqualTheFunctionList(t *testing.T) {
	var recs []schemas.Invocation
	for i := range 40 {
		at := time.Duration(i) * 20 * time.Second
		opts := []opt{instance([]string{"i-1", "i-2", "i-3", "i-4"}[i%4])}
		switch i % 5 {
		case 1:
			opts = append(opts, outcome(schemas.OutcomeError))
		case 2:
			opts = append(opts, outcome(schemas.OutcomeTimeout))
		}
		recs = append(recs, rec("inferred", at, opts...), rec("flagged", at, flagged(i%3 == 0)))
		if i%4 == 0 {
			recs = append(recs, rec("inferred", at, throttle), rec("flagged", at, throttle, account("")))
		}
	}
	r := store(t, recs)
	all := []string{"provider", "account", "region", "function"}
	for _, at := range []time.Duration{5 * time.Minute, 10 * time.Minute, 14 * time.Minute} {
		want := list(t, r, at-15*time.Minute, at)
		for _, m := range []alerts.Metric{alerts.ColdStartRate, alerts.ColdStarts, alerts.ThrottleRate, alerts.Throttles, alerts.ErrorRate, alerts.TimeoutRate} {
			got := samples(t, r, m, 15*time.Minute, at, all...)
			if len(got) != len(want) {
				t.Fatalf("%s at %s: %d groups, want %d", m, at, len(got), len(want))
			}
			for fn, w := range want {
				k := alerts.GroupKey(map[string]string{"provider": "aws", "account": "1", "region": "us-east-1", "function": fn})
				s, ok := got[k]
				v := map[alerts.Metric]float64{alerts.ColdStartRate: w.ColdStartRate, alerts.ColdStarts: float64(w.ColdStarts),
					alerts.ThrottleRate: w.ThrottleRate, alerts.Throttles: float64(w.Throttles), alerts.ErrorRate: w.ErrorRate, alerts.TimeoutRate: w.TimeoutRate}[m]
				if !ok || math.Abs(s.Value-v) > 1e-12 {
					t.Errorf("%s of %s at %s: %v (present %v), the list says %v", m, fn, at, s.Value, ok, v)
				}
				calls := w.Invocations
				if m == alerts.ThrottleRate || m == alerts.Throttles {
					calls += w.Throttles
				}
				if s.Invocations != calls {
					t.Errorf("%s of %s: %d invocations, want %d", m, fn, s.Invocations, calls)
				}
				if s.Link != "https://fs.example/api/v1/functions/aws:1:us-east-1:"+fn {
					t.Errorf("link %q", s.Link)
				}
			}
		}
	}
	// Grouped by account only, both functions are one group; cold starts add up per function.
	list := list(t, r, 0, 15*time.Minute)
	one := samples(t, r, alerts.ColdStarts, 15*time.Minute, 15*time.Minute, "account")
	if s := one[`account="1"`]; len(one) != 1 || s.Value != float64(list["inferred"].ColdStarts+list["flagged"].ColdStarts) {
		t.Errorf("per account: %+v, list %+v", one, list)
	}
}

// A 15-minute p95 is read from raw rows over exactly the window: slow
// invocations earlier in the same hour do not leak in.
func TestShortWindowPercentilesReadTheWindowOnly(t *testing.T) {
	var recs []schemas.Invocation
	for i := range 100 {
		recs = append(recs, rec("fn", 20*time.Minute+time.Duration(i)*5*time.Second, duration(float64(i+1))))
		recs = append(recs, rec("fn", time.Duration(i)*5*time.Second, duration(10_000)))
	}
	r := store(t, recs)
	got := samples(t, r, alerts.DurationP95Ms, 15*time.Minute, 35*time.Minute, "function")[`function="fn"`]
	if got.Invocations != 100 || got.Value < 90 || got.Value > 100 {
		t.Errorf("p95 over the last 15m: %+v, want about 95 over 100 invocations", got)
	}
	// Two hours: whole hours of states, the slow ones included.
	long := samples(t, r, alerts.DurationP95Ms, 2*time.Hour, 35*time.Minute, "function")[`function="fn"`]
	if long.Invocations != 200 || long.Value < 9000 {
		t.Errorf("p95 over 2h: %+v, want the slow half to show", long)
	}
}

// cost_per_day scales the window's list price to 24 hours;
// cost_change_pct compares with the same window a week earlier.
func TestCostMetrics(t *testing.T) {
	week := 7 * 24 * time.Hour
	var recs []schemas.Invocation
	for i := range 60 {
		at := time.Duration(i) * time.Minute
		recs = append(recs, rec("fn", at, billed(1000, 1024)), rec("fn", at+30*time.Second, billed(1000, 1024)))
		recs = append(recs, rec("fn", at-week, billed(1000, 1024)))
	}
	r := store(t, recs)
	perDay := samples(t, r, alerts.CostPerDay, time.Hour, time.Hour, "account")[`account="1"`]
	listed := list(t, r, 0, time.Hour)["fn"].CostUSD
	if listed <= 0 || math.Abs(perDay.Value-24*listed) > 1e-9 {
		t.Errorf("cost_per_day %v, want 24 x %v", perDay.Value, listed)
	}
	change := samples(t, r, alerts.CostChangePct, time.Hour, time.Hour, "account")[`account="1"`]
	if math.Abs(change.Value-100) > 1e-6 || change.Invocations != 120 {
		t.Errorf("cost_change_pct %+v, want +100%% over 120 invocations", change)
	}
	if got := samples(t, r, alerts.CostChangePct, time.Hour, 3*time.Hour, "account"); len(got) != 0 {
		t.Errorf("no cost a week earlier must give no sample: %+v", got)
	}
}

func TestEffectiveAlertRules(t *testing.T) {
	cfg := []alerts.Rule{{Name: alerts.RuleThrottleRate, Disabled: true}, {Name: "cfg", Metric: alerts.ColdStarts}}
	api := []alerts.Rule{{Name: alerts.RuleColdStartRate, Metric: alerts.ErrorRate}, {Name: "cfg", Metric: alerts.Throttles}, {Name: "own"}}
	got := analyzer.EffectiveAlertRules(cfg, api)
	want := []struct {
		name, source string
		metric       alerts.Metric
		disabled     bool
	}{
		{alerts.RuleColdStartRate, "api", alerts.ErrorRate, false}, {alerts.RuleThrottleRate, "config", "", true},
		{alerts.RuleDailyCostIncrease, "builtin", alerts.CostChangePct, false}, {"cfg", "config", alerts.ColdStarts, false}, {"own", "api", "", false},
	}
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for i, w := range want {
		if g := got[i]; g.Rule.Name != w.name || g.Source != w.source || g.Rule.Metric != w.metric || g.Disabled != w.disabled {
			t.Errorf("%d: %+v, want %+v", i, g, w)
		}
	}
}

// Stored states come back as saved; a dropped group's tombstone hides it;
// history records status changes; API rules are replaced and deleted.
func TestAlertStorage(t *testing.T) {
	r := store(t)
	ctx := context.Background()
	g := map[string]string{"function": "f"}
	firing := alerts.State{RuleName: "r", GroupKey: alerts.GroupKey(g), Labels: g, Status: alerts.StatusFiring,
		ActiveSince: t0, FiredAt: t0.Add(5 * time.Minute), LastNotified: t0.Add(5 * time.Minute), LastValue: 0.5}
	pending := map[string]alerts.State{firing.GroupKey: {RuleName: "r", GroupKey: firing.GroupKey, Labels: g, Status: alerts.StatusPending, ActiveSince: t0}}
	next := map[string]alerts.State{firing.GroupKey: firing}
	for _, step := range []struct {
		prev, next map[string]alerts.State
		at         time.Duration
	}{{nil, pending, 0}, {pending, next, 5 * time.Minute}} {
		if err := r.SaveAlertStates(ctx, "t1", "r", step.prev, step.next, t0.Add(step.at)); err != nil {
			t.Fatal(err)
		}
		if err := r.AppendAlertHistory(ctx, "t1", "r", step.prev, step.next, t0.Add(step.at)); err != nil {
			t.Fatal(err)
		}
	}
	states, err := r.LoadAlertStates(ctx, "t1")
	if err != nil || len(states["r"]) != 1 || !states["r"][firing.GroupKey].FiredAt.Equal(firing.FiredAt) || states["r"][firing.GroupKey].Status != alerts.StatusFiring {
		t.Fatalf("states %+v %v", states, err)
	}
	active, err := r.ActiveAlerts(ctx, "t1", "", 10)
	if err != nil || len(active) != 1 || active[0].Status != "firing" || active[0].FiredAt == nil {
		t.Errorf("active %+v %v", active, err)
	}
	if err := r.SaveAlertStates(ctx, "t1", "r", next, nil, t0.Add(6*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if states, _ := r.LoadAlertStates(ctx, "t1"); len(states) != 0 {
		t.Errorf("tombstoned state still loaded: %+v", states)
	}
	hist, err := r.AlertHistory(ctx, analyzer.HistoryQuery{Tenant: "t1", From: t0, To: t0.Add(time.Hour), Limit: 10})
	if err != nil || len(hist) != 2 || hist[0].Status != "firing" || hist[1].Status != "pending" || hist[0].Group["function"] != "f" {
		t.Errorf("history %+v %v", hist, err)
	}
	rule := alerts.Rule{Name: "own", Metric: alerts.ColdStarts, Threshold: 3, Window: time.Hour}
	for i, step := range []func() error{
		func() error { return r.PutAlertRule(ctx, "t1", rule, t0) },
		func() error { rule.Threshold = 4; return r.PutAlertRule(ctx, "t1", rule, t0.Add(time.Second)) },
	} {
		if err := step(); err != nil {
			t.Fatal(i, err)
		}
	}
	got, err := r.APIAlertRules(ctx, "t1")
	if err != nil || len(got) != 1 || got[0].Threshold != 4 || got[0].Window != time.Hour {
		t.Errorf("rules %+v %v", got, err)
	}
	if other, _ := r.APIAlertRules(ctx, "t2"); len(other) != 0 {
		t.Errorf("another tenant sees %+v", other)
	}
	if err := r.DeleteAlertRule(ctx, "t1", "own", t0.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.APIAlertRules(ctx, "t1"); len(got) != 0 {
		t.Errorf("deleted rule still listed: %+v", got)
	}
	if err := r.DeleteAlertRule(ctx, "t1", "own", t0.Add(3*time.Second)); err == nil {
		t.Error("deleting a deleted rule must be not found")
	}
}
