package loadgen

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/analyzer/keepwarm"
	"github.com/faascope/faascope/billing"
)

// The keep-warm acceptance run (issue 6): five archetypes simulated for two
// weeks by loadgen's own instance model, the recommender trained on week 1
// and every policy replayed on week 2. docs/keepwarm.md reports the table of
//
//	go test -race -run TestKeepWarmAcceptance -v ./cmd/faascope/loadgen/

var (
	kwFrom  = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	kwSplit = kwFrom.AddDate(0, 0, 7)
	kwTo    = kwFrom.AddDate(0, 0, 14)
)

const kwSeed = 6

// kwFunction is a Node.js Lambda with a real application's 800 ms init, the
// §6.4 reference setup.
func kwFunction(name string, durMs float64, a Arrival) Function {
	return Function{Name: name, Plan: "aws_lambda", Shape: "nodejs", Region: awsRegion, Account: awsAccount,
		Runtime: "nodejs22.x", MemoryMB: 512, Duration: Dist{MedianMs: durMs, Sigma: 0.3},
		Init: Dist{MedianMs: 800, Sigma: 0.2}, Arrival: a}
}

// kwArchetype is one archetype and how its trace is generated.
type kwArchetype struct {
	name       string
	fn         Function
	officeOnly bool // simulate each weekday's 09-17 UTC separately: loadgen has no bursty-in-office-hours pattern
}

// kwArchetypes are the archetypes of §6.4 in loadgen's patterns. The busy
// function runs at 0.1 call/s instead of 0.2 to keep the race run short.
func kwArchetypes() []kwArchetype {
	return []kwArchetype{
		{name: "hourly-job", fn: kwFunction("hourly-job", 200, Arrival{Pattern: PatternPeriodic, Every: time.Hour})},
		{name: "office-api", fn: kwFunction("office-api", 150, Arrival{Pattern: PatternOfficeHours, PerHour: 5})},
		{name: "office-bursty", fn: kwFunction("office-bursty", 600, Arrival{Pattern: PatternBursty, PerHour: 3, SessionCalls: 2, SessionGap: 250 * time.Millisecond}), officeOnly: true},
		{name: "rare-random", fn: kwFunction("rare-random", 150, Arrival{Pattern: PatternPoisson, PerHour: 1.0 / 3})},
		{name: "busy-diurnal", fn: kwFunction("busy-diurnal", 200, Arrival{Pattern: PatternDiurnal, PerHour: 360})},
	}
}

// kwTrace simulates the archetype over [kwFrom, kwTo) and converts the
// events to the recommender's input. The span's start is the handler
// start; the call arrived an init phase earlier.
func kwTrace(a kwArchetype) keepwarm.Function {
	fn := keepwarm.Function{Provider: "aws", Platform: "aws_lambda", Plan: a.fn.Plan, Region: a.fn.Region,
		Runtime: a.fn.Runtime, Arch: "x86_64", Trigger: "http", MemoryMB: a.fn.MemoryMB}
	w := Workload{Functions: []Function{a.fn}}
	windows := [][2]time.Time{{kwFrom, kwTo}}
	if a.officeOnly {
		windows = officeWindows(kwFrom, kwTo)
	}
	for i, win := range windows {
		sim := NewSimulation(w, kwSeed+uint64(i), win[0], win[1])
		for ev, ok := sim.Next(); ok; ev, ok = sim.Next() {
			if ev.Throttled {
				continue
			}
			fn.Invocations = append(fn.Invocations, keepwarm.Invocation{
				Start: ev.Arrival, Duration: msDuration(ev.DurationMs), Init: msDuration(ev.InitMs),
				Cold: ev.Cold, Instance: ev.Instance.ID, Version: "1",
			})
		}
	}
	return fn
}

// officeWindows are the weekdays' 09:00-17:00 UTC, like PatternOfficeHours.
// Each is simulated from an empty instance pool, which is what 16 idle
// hours leave.
func officeWindows(from, to time.Time) [][2]time.Time {
	var out [][2]time.Time
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		if !isWeekendDay(d) {
			out = append(out, [2]time.Time{d.Add(9 * time.Hour), d.Add(17 * time.Hour)})
		}
	}
	return out
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// kwRun is one archetype's comparison.
type kwRun struct {
	name    string
	results map[string]keepwarm.PolicyResult
	rec     keepwarm.Recommendation
}

func (r *kwRun) res(policy string) keepwarm.PolicyResult { return r.results[policy] }

var kwPolicies = []string{keepwarm.PolicyNone, keepwarm.PolicyFixed10m, keepwarm.PolicyPinger24x7, keepwarm.PolicyHybrid, keepwarm.PolicyRecommender}

func TestKeepWarmAcceptance(t *testing.T) {
	var runs []kwRun
	for _, a := range kwArchetypes() {
		res, rec, err := keepwarm.Compare(kwTrace(a), kwFrom, kwSplit, kwTo, billing.DefaultCatalog(), keepwarm.DefaultParams())
		if err != nil {
			t.Fatalf("%s: %v", a.name, err)
		}
		r := kwRun{name: a.name, results: map[string]keepwarm.PolicyResult{}, rec: rec}
		for _, p := range res {
			r.results[p.Policy] = p
		}
		runs = append(runs, r)
		kwCheck(t, &r)
	}
	kwCheckAggregate(t, runs)
	t.Log("\n" + kwTable(runs))
}

// kwCheck asserts the per-function acceptance criteria of issue 6.
func kwCheck(t *testing.T, r *kwRun) {
	t.Helper()
	none, rec := r.res(keepwarm.PolicyNone), r.res(keepwarm.PolicyRecommender)
	t.Logf("%s: %s %s (%s confidence)\n  %s", r.name, r.rec.Action, r.rec.Reason, r.rec.Confidence, strings.Join(r.rec.Explanation, "\n  "))
	if rec.ColdStarts > none.ColdStarts {
		t.Errorf("%s: the recommendation has %d cold starts, no action %d", r.name, rec.ColdStarts, none.ColdStarts)
	}
	want := map[string]string{"hourly-job": keepwarm.ActionPhasePing, "office-api": keepwarm.ActionPing, "office-bursty": keepwarm.ActionPing, "busy-diurnal": keepwarm.ActionNone}
	if w, ok := want[r.name]; ok && r.rec.Action != w {
		t.Errorf("%s: action %s (%s), want %s", r.name, r.rec.Action, r.rec.Reason, w)
	}
	if r.rec.Action != keepwarm.ActionNone {
		replayed := float64(none.ColdStarts-rec.ColdStarts) * 30 / 7
		if math.Abs(r.rec.ColdStartsAvoidedPerMonth-replayed) > 0.25*replayed {
			t.Errorf("%s: predicted %.0f cold starts avoided a month, replayed %.0f", r.name, r.rec.ColdStartsAvoidedPerMonth, replayed)
		}
	}
	if r.name == "hourly-job" || strings.HasPrefix(r.name, "office") {
		if removed := 1 - float64(rec.IdleColdStartsActive)/float64(none.IdleColdStartsActive); removed < 0.95 {
			t.Errorf("%s: %.0f %% of idle cold starts in active hours removed, want ≥ 95 %%", r.name, 100*removed)
		}
	}
	if strings.HasPrefix(r.name, "office") {
		// Firings, not calls: k concurrent calls warm k instances, what a
		// k = 1 pinger cannot do at any rate (§6.4 office-bursty).
		if share := float64(rec.Firings) / float64(r.res(keepwarm.PolicyPinger24x7).Firings); share > 0.35 {
			t.Errorf("%s: %.0f %% of the 24/7 pinger's firings, want ≤ 35 %%", r.name, 100*share)
		}
	}
}

// kwCheckAggregate asserts the Pareto criterion: over the functions with a
// recommendation, the recommender has no more cold starts than the 24/7
// pinger with fewer warm GB-s; over all functions it has fewer cold starts
// than the fixed 10-minute keep-alive. On AWS that keep-alive is what the
// platform does anyway and costs the user nothing, so "at no more dollars"
// cannot hold for any user-side action: the dollars are checked to be
// worth the cold starts they avoid (V per cold start, §5.6) instead, and
// docs/keepwarm.md says so.
func kwCheckAggregate(t *testing.T, runs []kwRun) {
	t.Helper()
	var rec, pinger, recAll, fixed keepwarm.PolicyResult
	value := 0.0 // V × cold starts avoided against fixed 10 min, summed

	for i := range runs {
		r, p, f := runs[i].res(keepwarm.PolicyRecommender), runs[i].res(keepwarm.PolicyPinger24x7), runs[i].res(keepwarm.PolicyFixed10m)
		kwAdd(&recAll, r)
		kwAdd(&fixed, f)
		value += runs[i].rec.Evidence.ValuePerColdStartUSD * float64(f.ColdStarts-r.ColdStarts)
		if runs[i].rec.Action != keepwarm.ActionNone {
			kwAdd(&rec, r)
			kwAdd(&pinger, p)
		}
	}
	if rec.ColdStarts > pinger.ColdStarts || rec.WarmGBs >= pinger.WarmGBs {
		t.Errorf("recommended functions: recommender %d cold, %.0f GB-s; 24/7 pinger %d cold, %.0f GB-s", rec.ColdStarts, rec.WarmGBs, pinger.ColdStarts, pinger.WarmGBs)
	}
	if recAll.ColdStarts >= fixed.ColdStarts || recAll.AddedUSD-fixed.AddedUSD > value {
		t.Errorf("all functions: recommender %d cold, $%.5f; fixed 10 min %d cold, $%.5f; the avoided cold starts are worth $%.5f",
			recAll.ColdStarts, recAll.AddedUSD, fixed.ColdStarts, fixed.AddedUSD, value)
	}
	t.Logf("aggregate: recommended functions %d cold, %.1f warm GB-h vs 24/7 pinger %d cold, %.1f GB-h; all functions %d cold, $%.5f vs fixed 10 min %d cold, $%.5f (avoided cold starts worth $%.5f)",
		rec.ColdStarts, rec.WarmGBs/3600, pinger.ColdStarts, pinger.WarmGBs/3600, recAll.ColdStarts, recAll.AddedUSD, fixed.ColdStarts, fixed.AddedUSD, value)
}

func kwAdd(sum *keepwarm.PolicyResult, r keepwarm.PolicyResult) {
	sum.ColdStarts += r.ColdStarts
	sum.WarmGBs += r.WarmGBs
	sum.AddedUSD += r.AddedUSD
}

// kwTable is the report of docs/keepwarm.md.
func kwTable(runs []kwRun) string {
	var b strings.Builder
	b.WriteString("| archetype | policy | invocations | cold | idle cold in active hours | pings (firings) | ping cold | warm GB-h | $ added / week |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range runs {
		for _, p := range kwPolicies {
			x := r.res(p)
			name := p
			if p == keepwarm.PolicyRecommender {
				name = "recommender: " + r.rec.Action + kwReason(r.rec)
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %d | %d / %d | %d (%d) | %d | %.1f | %.5f |\n", r.name, name, x.Invocations, x.ColdStarts,
				x.IdleColdStartsActive, x.IdleCallsActive, x.Pings, x.Firings, x.PingColdStarts, x.WarmGBs/3600, x.AddedUSD)
		}
	}
	return b.String()
}

func kwReason(r keepwarm.Recommendation) string {
	if r.Reason != "" {
		return " (" + r.Reason + ")"
	}
	if len(r.Schedules) > 0 {
		return fmt.Sprintf(" `%s` k=%d", r.Schedules[0].EventBridge, r.Schedules[0].K)
	}
	return ""
}
