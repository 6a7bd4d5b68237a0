package analyzer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/alerts"
	"github.com/faascope/faascope/internal/chtest"
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
	if err != nil || len(got.Rules) != 1 || got.Rules[0].Threshold != 4 || got.Rules[0].Window != time.Hour || got.Count() != 1 {
		t.Errorf("rules %+v %v", got, err)
	}
	if other, _ := r.APIAlertRules(ctx, "t2"); other.Count() != 0 {
		t.Errorf("another tenant sees %+v", other)
	}
	if err := r.DeleteAlertRule(ctx, "t1", "own", t0.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.APIAlertRules(ctx, "t1"); got.Count() != 0 {
		t.Errorf("deleted rule still listed: %+v", got)
	}
	if err := r.DeleteAlertRule(ctx, "t1", "own", t0.Add(3*time.Second)); err == nil {
		t.Error("deleting a deleted rule must be not found")
	}
}

// A percentile rule has no sample for a group with nothing to measure, so
// "p95 < X" never fires on it: init_p95_ms of a warm function (no init
// phase in the window), duration_p95_ms of a function that was only
// throttled.
func TestPercentilesWithoutDataGiveNoSample(t *testing.T) {
	var recs []schemas.Invocation
	for i := range 30 {
		at := time.Duration(i) * 20 * time.Second
		recs = append(recs, rec("warm", at, flagged(false)), rec("refused", at, throttle))
		recs = append(recs, rec("cold", at, flagged(true), func(r *schemas.Invocation) { r.InitDurationMs = 300 }))
	}
	r := store(t, recs)
	inits := samples(t, r, alerts.InitP95Ms, 15*time.Minute, 15*time.Minute, "function")
	if _, ok := inits[`function="warm"`]; ok || len(inits) != 1 || inits[`function="cold"`].Value < 250 {
		t.Errorf("init_p95_ms samples %+v, want only cold's (about 300)", inits)
	}
	durations := samples(t, r, alerts.DurationP95Ms, 15*time.Minute, 15*time.Minute, "function")
	if _, ok := durations[`function="refused"`]; ok || len(durations) != 2 {
		t.Errorf("duration_p95_ms samples %+v, want warm's and cold's only", durations)
	}
}

// storeAlertRows is a migrated database without invocations, for tests
// that write alert rows as another version (or damage) would have.
func storeAlertRows(t *testing.T) (*analyzer.Reader, driver.Conn) {
	t.Helper()
	db := chtest.NewDatabase(t)
	if _, err := (&schemas.Migrator{Conn: db.Conn, DDLContext: db.DDLContext}).Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return analyzer.NewReader(db.Conn, 30*time.Second), db.Conn
}

// ruleRow is one alert_rules row.
type ruleRow struct {
	name    string
	version uint64
	deleted uint8
	body    string
}

func insertRuleRows(t *testing.T, conn driver.Conn, rows []ruleRow) {
	t.Helper()
	b, err := conn.PrepareBatch(context.Background(), "INSERT INTO alert_rules (tenant, name, version, deleted, updated, body)")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := b.Append("t1", r.name, r.version, r.deleted, t0, r.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
}

func ruleBody(t *testing.T, name string) string {
	t.Helper()
	b, err := json.Marshal(alerts.Rule{Name: name, Metric: alerts.ColdStarts, Threshold: 1, Window: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// An unreadable stored rule is skipped and named, not fatal; a field this
// version does not know is ignored; the unreadable rule can be deleted.
func TestUnreadableAPIRuleIsSkipped(t *testing.T) {
	r, conn := storeAlertRows(t)
	future := ruleBody(t, "future")
	future = future[:len(future)-1] + `,"added_later":true}`
	insertRuleRows(t, conn, []ruleRow{{"bad", 1, 0, "{not json"}, {"future", 1, 0, future}, {"good", 1, 0, ruleBody(t, "good")}})
	ctx := context.Background()
	got, err := r.APIAlertRules(ctx, "t1")
	if err != nil || len(got.Rules) != 2 || got.Rules[0].Name != "future" || got.Rules[1].Name != "good" ||
		fmt.Sprint(got.Unreadable) != "[bad]" || got.Count() != 3 {
		t.Fatalf("rules %+v, %v: want future and good readable, bad unreadable", got, err)
	}
	if err := r.DeleteAlertRule(ctx, "t1", "bad", t0); err != nil {
		t.Fatalf("deleting the unreadable rule: %v", err)
	}
	if got, err := r.APIAlertRules(ctx, "t1"); err != nil || len(got.Unreadable) != 0 || len(got.Rules) != 2 {
		t.Errorf("after the delete: %+v %v", got, err)
	}
}

// Tombstones do not count against the limit: a tenant that deleted many
// rules still sees its live ones, however the names sort.
func TestDeletedAPIRulesDoNotHideLiveOnes(t *testing.T) {
	r, conn := storeAlertRows(t)
	var rows []ruleRow
	for i := range 10*analyzer.MaxAPIRules + 1 {
		name := fmt.Sprintf("a%05d", i)
		rows = append(rows, ruleRow{name, 1, 0, ruleBody(t, name)}, ruleRow{name, 2, 1, ""})
	}
	rows = append(rows, ruleRow{"z-live", 1, 0, ruleBody(t, "z-live")})
	insertRuleRows(t, conn, rows)
	got, err := r.APIAlertRules(context.Background(), "t1")
	if err != nil || len(got.Rules) != 1 || got.Rules[0].Name != "z-live" {
		t.Errorf("rules %+v %v, want z-live alone", got.Rules, err)
	}
}

// A minute evaluated twice stores its second decision over the first:
// the state loaded is the latest stored, status and body alike, and the
// history has one row per change.
func TestReevaluatedMinuteReplacesItsState(t *testing.T) {
	r := store(t)
	ctx := context.Background()
	g := map[string]string{"function": "f"}
	key := alerts.GroupKey(g)
	firing := alerts.State{RuleName: "r", GroupKey: key, Labels: g, Status: alerts.StatusFiring, ActiveSince: t0,
		FiredAt: t0, LastNotified: t0, LastValue: 0.5}
	resolved := firing
	resolved.Status, resolved.ResolvedAt, resolved.LastNotified = alerts.StatusResolved, t0.Add(time.Minute), t0.Add(time.Minute)
	m := t0.Add(time.Minute)
	// The scheduled run refreshes the firing alert; a manual run of the
	// same minute, on newer data, resolves it.
	steps := []struct{ prev, next map[string]alerts.State }{
		{map[string]alerts.State{key: firing}, map[string]alerts.State{key: firing}},
		{map[string]alerts.State{key: firing}, map[string]alerts.State{key: resolved}},
	}
	for _, s := range steps {
		if err := r.SaveAlertStates(ctx, "t1", "r", s.prev, s.next, m); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 { // a tie would be decided anew by each read
		states, err := r.LoadAlertStates(ctx, "t1")
		if st := states["r"][key]; err != nil || st.Status != alerts.StatusResolved || !st.ResolvedAt.Equal(m) {
			t.Fatalf("loaded %+v %v, want the manual run's resolved state", states, err)
		}
	}
	// The next minute, resolved goes inactive: nothing is left to announce again.
	next, notes := alerts.Evaluate("t1", alerts.Rule{Name: "r", Disabled: true}, map[string]alerts.State{key: resolved}, nil, m.Add(time.Minute))
	if err := r.SaveAlertStates(ctx, "t1", "r", map[string]alerts.State{key: resolved}, next, m.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if states, _ := r.LoadAlertStates(ctx, "t1"); len(states) != 0 || len(notes) != 0 {
		t.Errorf("after resolved: states %+v, notes %+v", states, notes)
	}
}

// Fingerprints the API shows include the tenant, as the notifications' do.
func TestAPIFingerprintsIncludeTheTenant(t *testing.T) {
	r := store(t)
	ctx := context.Background()
	g := map[string]string{"function": "f"}
	st := alerts.State{RuleName: "r", GroupKey: alerts.GroupKey(g), Labels: g, Status: alerts.StatusPending, ActiveSince: t0}
	for _, tenant := range []string{"t1", "t2"} {
		next := map[string]alerts.State{st.GroupKey: st}
		if err := r.SaveAlertStates(ctx, tenant, "r", nil, next, t0); err != nil {
			t.Fatal(err)
		}
		if err := r.AppendAlertHistory(ctx, tenant, "r", nil, next, t0); err != nil {
			t.Fatal(err)
		}
	}
	a1, err1 := r.ActiveAlerts(ctx, "t1", "", 10)
	a2, err2 := r.ActiveAlerts(ctx, "t2", "", 10)
	h1, err3 := r.AlertHistory(ctx, analyzer.HistoryQuery{Tenant: "t1", From: t0, To: t0.Add(time.Hour), Limit: 10})
	if err := errors.Join(err1, err2, err3); err != nil || len(a1) != 1 || len(a2) != 1 || len(h1) != 1 {
		t.Fatalf("active %+v %+v history %+v: %v", a1, a2, h1, err)
	}
	want := alerts.Fingerprint("t1", "r", st.GroupKey)
	if a1[0].Fingerprint != want || h1[0].Fingerprint != want || a2[0].Fingerprint == want {
		t.Errorf("fingerprints %s %s %s, want t1's %s and t2's apart", a1[0].Fingerprint, h1[0].Fingerprint, a2[0].Fingerprint, want)
	}
}
