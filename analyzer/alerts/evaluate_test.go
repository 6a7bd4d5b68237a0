package alerts

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/internal/notify"
)

// t0 is the first evaluation of every sequence.
var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// testRule alerts per function on a cold-start rate >= 20% held 5 minutes,
// with at least 20 invocations, repeated hourly.
func testRule() Rule {
	return Rule{
		Name: "cold", Metric: ColdStartRate, GroupBy: []string{"function"}, Comparator: ">=", Threshold: 0.2,
		Window: 15 * time.Minute, For: 5 * time.Minute, MinInvocations: 20, Severity: SeverityWarning,
		RepeatInterval: time.Hour, Labels: map[string]string{"team": "core"},
		Annotations: map[string]string{"summary": "{{.Function}} at {{pct .Value}} ({{.Status}})"},
	}
}

func fn(name string, v float64, invocations uint64) Sample {
	return Sample{Group: map[string]string{"function": name}, Value: v, Invocations: invocations, Link: "https://faascope.test/f/" + name}
}

// tick is one evaluation of a sequence, at t0+at, and what it must give
// for function "f": its status ("inactive" when absent) and notes, each
// "firing", "resolved" or "refresh".
type tick struct {
	at      time.Duration
	samples []Sample
	status  Status
	notes   []string
}

func TestEvaluateTransitions(t *testing.T) {
	h, c := []Sample{fn("f", 0.5, 100)}, []Sample{fn("f", 0.05, 100)}
	forZero, noRepeat, disabledLater := testRule(), testRule(), testRule()
	forZero.For = 0
	noRepeat.RepeatInterval = 0
	disabledLater.Disabled = true
	fired := []tick{{0, h, StatusPending, nil}, {5 * time.Minute, h, StatusFiring, []string{"firing"}}}
	cases := []struct {
		name  string
		rule  Rule
		steps []tick
	}{
		{"inactive to pending, firing once For has passed", testRule(), []tick{
			{0, h, StatusPending, nil}, {4 * time.Minute, h, StatusPending, nil},
			{5 * time.Minute, h, StatusFiring, []string{"firing"}}, {6 * time.Minute, h, StatusFiring, []string{"refresh"}}}},
		{"For 0 fires at the first evaluation", forZero, []tick{{0, h, StatusFiring, []string{"firing"}}}},
		{"pending drops when the condition stops holding", testRule(), []tick{
			{0, h, StatusPending, nil}, {time.Minute, c, StatusInactive, nil}, {2 * time.Minute, h, StatusPending, nil},
			{6 * time.Minute, h, StatusPending, nil}, {7 * time.Minute, h, StatusFiring, []string{"firing"}}}},
		{"pending drops when the group has no sample", testRule(), []tick{
			{0, h, StatusPending, nil}, {time.Minute, nil, StatusInactive, nil}}},
		{"firing resolves once when the condition stops holding, then is inactive", testRule(), append(fired,
			tick{6 * time.Minute, c, StatusResolved, []string{"resolved"}}, tick{7 * time.Minute, c, StatusInactive, nil})},
		{"firing resolves when the group has no sample", testRule(), append(fired,
			tick{6 * time.Minute, nil, StatusResolved, []string{"resolved"}}, tick{7 * time.Minute, nil, StatusInactive, nil})},
		{"firing resolves when too few invocations to judge", testRule(), append(fired,
			tick{6 * time.Minute, []Sample{fn("f", 0.9, 19)}, StatusResolved, []string{"resolved"}})},
		{"too few invocations never pend", testRule(), []tick{
			{0, []Sample{fn("f", 0.9, 19)}, StatusInactive, nil}, {time.Minute, []Sample{fn("f", 0.9, 20)}, StatusPending, nil}}},
		{"resolved that holds again starts a new pending", testRule(), append(fired,
			tick{6 * time.Minute, c, StatusResolved, []string{"resolved"}}, tick{7 * time.Minute, h, StatusPending, nil},
			tick{11 * time.Minute, h, StatusPending, nil}, tick{12 * time.Minute, h, StatusFiring, []string{"firing"}})},
		{"a firing alert is announced again every repeat interval", testRule(), append(fired,
			tick{64 * time.Minute, h, StatusFiring, []string{"refresh"}}, tick{65 * time.Minute, h, StatusFiring, []string{"firing"}},
			tick{66 * time.Minute, h, StatusFiring, []string{"refresh"}}, tick{125 * time.Minute, h, StatusFiring, []string{"firing"}})},
		{"the default repeat interval is 4 hours", noRepeat, append(fired,
			tick{5*time.Minute + 4*time.Hour - time.Second, h, StatusFiring, []string{"refresh"}},
			tick{5*time.Minute + 4*time.Hour, h, StatusFiring, []string{"firing"}})},
		{"a NaN value is no data", testRule(), append(fired,
			tick{6 * time.Minute, []Sample{fn("f", math.NaN(), 100)}, StatusResolved, []string{"resolved"}})},
		{"an infinite value is no data", testRule(), []tick{
			{0, []Sample{fn("f", math.Inf(1), 100)}, StatusInactive, nil}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runSteps(t, c.rule, nil, c.steps) })
	}
	t.Run("a disabled rule resolves what fires", func(t *testing.T) {
		prev := runSteps(t, testRule(), nil, fired)
		runSteps(t, disabledLater, prev, []tick{{6 * time.Minute, h, StatusResolved, []string{"resolved"}}, {7 * time.Minute, h, StatusInactive, nil}})
	})
}

// runSteps evaluates the steps in order, each on the previous one's states,
// and returns the last states.
func runSteps(t *testing.T, rule Rule, prev map[string]State, steps []tick) map[string]State {
	t.Helper()
	for i, s := range steps {
		next, notes := Evaluate("acme", rule, prev, s.samples, t0.Add(s.at))
		st, ok := next[`function="f"`]
		got := StatusInactive
		if ok {
			got = st.Status
		}
		if got != s.status || !reflect.DeepEqual(kinds(notes), s.notes) {
			t.Fatalf("step %d (+%s): status %s notes %v, want %s %v", i, s.at, got, kinds(notes), s.status, s.notes)
		}
		prev = next
	}
	return prev
}

func kinds(notes []notify.Notification) []string {
	var out []string
	for _, n := range notes {
		k := string(n.Status)
		if n.Refresh {
			k = "refresh"
		}
		out = append(out, k)
	}
	return out
}

// fire runs rule into firing for the given samples: pending at t0, firing at t0+For.
func fire(rule Rule, samples []Sample) (map[string]State, []notify.Notification) {
	prev, _ := Evaluate("acme", rule, nil, samples, t0)
	return Evaluate("acme", rule, prev, samples, t0.Add(rule.For))
}

func TestEvaluateNotificationContent(t *testing.T) {
	rule := testRule()
	states, notes := fire(rule, []Sample{fn("f", 0.5, 100)})
	if len(notes) != 1 {
		t.Fatalf("notes: %+v", notes)
	}
	want := notify.Notification{
		Rule: "cold", Status: notify.StatusFiring, Group: map[string]string{"function": "f"}, Value: 0.5, Threshold: 0.2,
		Severity: "warning", Labels: map[string]string{"alertname": "cold", "severity": "warning", "team": "core", "function": "f", "tenant": "acme"},
		Annotations: map[string]string{"summary": "f at 50.0% (firing)"}, StartsAt: t0, Link: "https://faascope.test/f/f",
		Fingerprint: Fingerprint("acme", "cold", `function="f"`), Tenant: "acme",
	}
	if !reflect.DeepEqual(notes[0], want) {
		t.Errorf("firing:\n got %+v\nwant %+v", notes[0], want)
	}
	st := states[`function="f"`]
	if st.RuleName != "cold" || !st.ActiveSince.Equal(t0) || !st.FiredAt.Equal(t0.Add(rule.For)) || !st.LastNotified.Equal(st.FiredAt) {
		t.Errorf("state: %+v", st)
	}

	end := t0.Add(10 * time.Minute)
	states, notes = Evaluate("acme", rule, states, []Sample{fn("f", 0.1, 100)}, end)
	want.Status, want.EndsAt, want.Value = notify.StatusResolved, end, 0.1
	want.Annotations = map[string]string{"summary": "f at 10.0% (resolved)"}
	if len(notes) != 1 || !reflect.DeepEqual(notes[0], want) {
		t.Errorf("resolved:\n got %+v\nwant %+v", notes, want)
	}
	if st := states[`function="f"`]; !st.ResolvedAt.Equal(end) {
		t.Errorf("resolved state: %+v", st)
	}
}

func TestEvaluateGroupBy(t *testing.T) {
	rule := testRule()
	rule.For, rule.GroupBy = 0, []string{"function", "region"}
	samples := []Sample{
		{Group: map[string]string{"function": "a", "region": ""}, Value: 0.5, Invocations: 50},
		{Group: map[string]string{"function": "b", "region": "eu-west-1"}, Value: 0.3, Invocations: 50},
		{Group: map[string]string{"function": "c", "region": "eu-west-1"}, Value: 0.1, Invocations: 50},
	}
	states, notes := Evaluate("acme", rule, nil, samples, t0)
	if len(states) != 2 || len(notes) != 2 {
		t.Fatalf("states %v notes %+v, want a and b firing", states, notes)
	}
	if notes[0].Group["function"] != "a" || notes[1].Group["function"] != "b" {
		t.Errorf("notes not one per group in group-key order: %+v", notes)
	}
	if _, ok := notes[0].Labels["region"]; ok {
		t.Errorf("an empty group value became a label: %v", notes[0].Labels)
	}
	if notes[1].Labels["region"] != "eu-west-1" || notes[0].Fingerprint == notes[1].Fingerprint {
		t.Errorf("groups not told apart: %+v", notes)
	}
	if _, ok := states[`function="b",region="eu-west-1"`]; !ok {
		t.Errorf("group keys: %v", states)
	}

	whole := testRule()
	whole.For, whole.GroupBy = 0, nil
	states, notes = Evaluate("acme", whole, nil, []Sample{{Value: 0.4, Invocations: 500}}, t0)
	if _, ok := states[""]; !ok || len(notes) != 1 || notes[0].Annotations["summary"] != " at 40.0% (firing)" {
		t.Errorf("rule without group_by: %v %+v", states, notes)
	}
}

func TestGroupKeyIsCanonical(t *testing.T) {
	a := GroupKey(map[string]string{"region": "us-east-1", "function": `we"ird,name`, "account": "1"})
	b := GroupKey(map[string]string{"account": "1", "function": `we"ird,name`, "region": "us-east-1"})
	if a != b || a != `account="1",function="we\"ird,name",region="us-east-1"` {
		t.Errorf("GroupKey: %s / %s", a, b)
	}
	if GroupKey(nil) != "" {
		t.Errorf("empty group: %q", GroupKey(nil))
	}
	if Fingerprint("t", "a", "b") == Fingerprint("t", "ab", "") || Fingerprint("t", "a", "b") != Fingerprint("t", "a", "b") ||
		Fingerprint("ta", "b", "") == Fingerprint("t", "ab", "") || Fingerprint("t1", "a", "b") == Fingerprint("t2", "a", "b") {
		t.Error("fingerprints not stable and distinct")
	}
}

// TestEvaluateAfterRestart checks what the scheduler relies on: the states
// Evaluate returns, stored and reloaded, lead to the same notifications,
// and evaluating them again at the same instant announces nothing new.
func TestEvaluateAfterRestart(t *testing.T) {
	rule := testRule()
	samples := []Sample{fn("f", 0.5, 100), fn("g", 0.6, 100)}
	states, _ := fire(rule, samples)
	now := t0.Add(rule.For)

	again, notes := Evaluate("acme", rule, states, samples, now)
	if !reflect.DeepEqual(again, states) || strings.Join(kinds(notes), ",") != "refresh,refresh" {
		t.Errorf("re-evaluation at the same instant: notes %v, states changed: %v", kinds(notes), !reflect.DeepEqual(again, states))
	}
	n1, notes1 := Evaluate("acme", rule, states, samples, now.Add(time.Minute))
	n2, notes2 := Evaluate("acme", rule, states, samples, now.Add(time.Minute))
	if !reflect.DeepEqual(n1, n2) || !reflect.DeepEqual(notes1, notes2) {
		t.Error("same inputs, different outputs")
	}
	if _, ok := states[`function="f"`]; !ok || len(states) != 2 {
		t.Errorf("states: %v", states)
	}
}

// A NaN sample never makes a state unstorable: the state keeps the last
// finite value, and it and the notification encode as JSON.
func TestNaNValueKeepsStatesEncodable(t *testing.T) {
	rule := testRule()
	states, _ := fire(rule, []Sample{fn("f", 0.5, 100)})
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		next, notes := Evaluate("acme", rule, states, []Sample{fn("f", v, 100)}, t0.Add(time.Hour))
		st := next[`function="f"`]
		if st.Status != StatusResolved || st.LastValue != 0.5 || len(notes) != 1 || notes[0].Value != 0.5 {
			t.Errorf("%v: state %+v, notes %+v, want resolved with the last value 0.5", v, st, notes)
		}
		if _, err := json.Marshal(st); err != nil {
			t.Errorf("%v: state does not encode: %v", v, err)
		}
		if _, err := json.Marshal(notes); err != nil {
			t.Errorf("%v: notification does not encode: %v", v, err)
		}
	}
}

// Every notification carries its tenant as a label and in its
// fingerprint; the same group of two tenants gives two alerts.
func TestNotificationsCarryTheTenant(t *testing.T) {
	rule := testRule()
	rule.For = 0
	_, a := Evaluate("tenant-a", rule, nil, []Sample{fn("f", 0.5, 100)}, t0)
	_, b := Evaluate("tenant-b", rule, nil, []Sample{fn("f", 0.5, 100)}, t0)
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("notes %+v %+v", a, b)
	}
	if a[0].Labels["tenant"] != "tenant-a" || a[0].Tenant != "tenant-a" || b[0].Labels["tenant"] != "tenant-b" {
		t.Errorf("tenant labels: %v / %v", a[0].Labels, b[0].Labels)
	}
	if a[0].Fingerprint == b[0].Fingerprint {
		t.Error("two tenants' alerts share a fingerprint")
	}
	rule.Annotations = map[string]string{"summary": "{{.Tenant}}/{{index .Labels \"tenant\"}}"}
	if _, n := Evaluate("tenant-a", rule, nil, []Sample{fn("f", 0.5, 100)}, t0); n[0].Annotations["summary"] != "tenant-a/tenant-a" {
		t.Errorf("templates see %q", n[0].Annotations["summary"])
	}
}

func TestComparators(t *testing.T) {
	cases := []struct {
		c    Comparator
		v    float64
		want bool
	}{
		{">", 2, true}, {">", 1, false}, {"gt", 2, true},
		{">=", 1, true}, {">=", 0.5, false}, {"ge", 1, true},
		{"<", 0.5, true}, {"<", 1, false}, {"lt", 0.5, true},
		{"<=", 1, true}, {"<=", 2, false}, {"le", 1, true},
		{"==", 1, true}, {"==", 2, false}, {"eq", 1, true},
		{"!=", 2, true}, {"!=", 1, false}, {"ne", 2, true},
		{">=", math.NaN(), false}, {"!=", math.NaN(), false}, {"~", 1, false},
	}
	for _, c := range cases {
		if got := c.c.holds(c.v, 1); got != c.want {
			t.Errorf("%v %s 1: %v, want %v", c.v, c.c, got, c.want)
		}
	}
}
