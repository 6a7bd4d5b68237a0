package analyzer_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/internal/chclient"
	"github.com/faascope/faascope/internal/chtest"
	"github.com/faascope/faascope/schemas"
)

// coldTruth counts, per function of tenant t1, the unflagged instances
// whose first invocation lies in [from, to) widened to minutes.
func coldTruth(recs []schemas.Invocation, from, to time.Time) map[string]uint64 {
	first := map[[2]string]time.Time{}
	for _, r := range recs {
		if r.Tenant != "t1" {
			continue
		}
		k := [2]string{r.FunctionName, r.InstanceID}
		if f, ok := first[k]; r.ColdStartSource == schemas.ColdUnknown && (!ok || r.Start.Before(f)) {
			first[k] = r.Start
		}
	}
	from, to = analyzer.Round(from, to)
	out := map[string]uint64{}
	for k, f := range first {
		if !f.Before(from) && f.Before(to) {
			out[k[0]]++
		}
	}
	return out
}

// Settled days give the counts inference gives, late data included: a day
// whose data changed after it was settled is inferred from instances again
// until the job settles it anew.
func TestSettledColdStartsEqualInference(t *testing.T) {
	day0 := t0.Truncate(24 * time.Hour)
	at := func(d int, h, m int) time.Time {
		return day0.Add(time.Duration(d)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	r0 := func(fn, inst string, ts time.Time, opts ...opt) schemas.Invocation {
		x := rec(fn, 0, append(opts, instance(inst))...)
		x.Start = ts
		return x
	}
	recs := []schemas.Invocation{
		r0("py", "a", at(1, 10, 0)), r0("py", "a", at(1, 12, 0)), // cold on day 1
		r0("py", "b", at(1, 23, 30)), r0("py", "b", at(2, 0, 30)), // crosses midnight: cold on day 1 only
		r0("py", "c", at(3, 5, 0)), r0("py", "c", at(3, 6, 0)), // cold on day 3
		r0("py", "e", at(5, 1, 0)), // cold on day 5
		r0("node", "n", at(2, 1, 0), flagged(true)), r0("node", "n", at(2, 2, 0), flagged(false)),
		r0("py", "x", at(2, 3, 0), tenant("t2")), // another tenant's day
	}
	db := chtest.NewDatabase(t)
	r := storeIn(t, db, recs)
	ranges := [][2]time.Time{{at(0, 0, 0), at(7, 0, 0)}, {at(1, 11, 7), at(5, 0, 30)}, {at(1, 23, 45), at(6, 2, 0)}}
	check := func(stage string) {
		t.Helper()
		for _, rg := range ranges {
			got := listRange(t, r, rg[0], rg[1])
			for fn, want := range coldTruth(recs, rg[0], rg[1]) {
				if got[fn].ColdStarts != want {
					t.Errorf("%s: [%s, %s) %s: %d cold starts, want %d", stage, rg[0], rg[1], fn, got[fn].ColdStarts, want)
				}
			}
			if got["node"].ColdStarts != 1 && !rg[0].After(at(2, 1, 0)) {
				t.Errorf("%s: node (flagged): %d cold starts, want 1", stage, got["node"].ColdStarts)
			}
		}
	}
	check("before settling")

	settler, now := r.NewSettler(), at(8, 0, 0)
	if n, err := settler.Run(context.Background(), now); err != nil || n != (analyzer.Settled{}) {
		t.Fatalf("first run settled %+v (%v): it must only observe", n, err)
	}
	if n, err := settler.Run(context.Background(), now); err != nil || n.Days == 0 {
		t.Fatalf("second run settled %+v (%v)", n, err)
	}
	if n, err := settler.Run(context.Background(), now); err != nil || n != (analyzer.Settled{}) {
		t.Fatalf("a run without new data settled %+v (%v)", n, err)
	}
	check("settled")

	// Late data for settled days: a new instance on day 2, and an earlier
	// invocation of c on day 2, which moves c's cold start from day 3 to day 2.
	late := []schemas.Invocation{r0("py", "d", at(2, 8, 0)), r0("py", "c", at(2, 22, 0))}
	if err := schemas.InsertInvocations(context.Background(), db.Conn, late); err != nil {
		t.Fatal(err)
	}
	recs = append(recs, late...)
	check("late data, not settled yet")
	for i := 0; i < 2; i++ {
		if _, err := settler.Run(context.Background(), now); err != nil {
			t.Fatal(err)
		}
	}
	check("late data settled")

	// Proof that settled days are read: an instance written straight into
	// instance_days (no invocation, so no day's invocations change) is
	// invisible to a settled day and visible to inference.
	if err := db.Conn.Exec(context.Background(), `INSERT INTO instance_days (tenant, provider, account_id, region, function_name, day, instance, first_start_ns, last_start_ns, explicit_flag)
SELECT 't1', 'aws', '1', 'us-east-1', 'py', toDate(?), 42, minState(toUInt64(?)), maxState(toUInt64(?)), maxState(toUInt8(0))`,
		at(4, 0, 0), uint64(at(4, 9, 0).UnixNano()), uint64(at(4, 9, 0).UnixNano())); err != nil {
		t.Fatal(err)
	}
	if got := listRange(t, r, ranges[0][0], ranges[0][1])["py"].ColdStarts; got != 5 {
		t.Errorf("settled days: py has %d cold starts, want 5 (the settled count, not the planted instance)", got)
	}
	// A range that starts within a settled day counts that day's part from
	// the minutes of its settled cold starts, not from instances.
	if got := listRange(t, r, at(4, 8, 0), at(7, 0, 0))["py"].ColdStarts; got != 1 {
		t.Errorf("settled partial day: py has %d cold starts, want 1 (e on day 5, not the planted instance)", got)
	}
}

func listRange(t *testing.T, r *analyzer.Reader, from, to time.Time) map[string]analyzer.FunctionSummary {
	t.Helper()
	got, err := r.Functions(context.Background(), analyzer.Filter{Tenant: "t1", From: from, To: to}, analyzer.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]analyzer.FunctionSummary{}
	for _, f := range got.Functions {
		out[f.FunctionName] = f
	}
	return out
}

// spreadDurations stores 10 invocations of "py" a day on days 0..days-1
// (from t0's midnight), the durations of day d running 10d+1 .. 10d+10 ms.
func spreadDurations(t *testing.T, days int) (*chclient.Client, *analyzer.Reader, func(d, h int) time.Time) {
	day0 := t0.Truncate(24 * time.Hour)
	at := func(d, h int) time.Time { return day0.Add(time.Duration(d*24+h) * time.Hour) }
	var recs []schemas.Invocation
	for d := 0; d < days; d++ {
		for h := 0; h < 10; h++ {
			x := rec("py", 0, duration(float64(d*10+h+1)))
			x.Start = at(d, h)
			recs = append(recs, x)
		}
	}
	db := chtest.NewDatabase(t)
	return db, storeIn(t, db, recs), at
}

// settleTwice runs the job twice at now (a first run only observes) and
// sums what the runs settled.
func settleTwice(t *testing.T, s *analyzer.Settler, now time.Time) analyzer.Settled {
	t.Helper()
	var sum analyzer.Settled
	for i := 0; i < 2; i++ {
		n, err := s.Run(context.Background(), now)
		if err != nil {
			t.Fatal(err)
		}
		sum.Days, sum.Windows = sum.Days+n.Days, sum.Windows+n.Windows
	}
	return sum
}

// Settled windows give the percentiles day states give, and are read only
// while their days hold the data they were built from.
func TestSettledWindowsGiveDayPercentiles(t *testing.T) {
	ctx := context.Background()
	db, r, at := spreadDurations(t, 35)
	ranges := [][2]int{{0, 35}, {3, 33}, {0, 21}, {2, 12}} // 28+7 days, 28+2, 3x7, 7+3
	p50 := func(rg [2]int) float64 {
		t.Helper()
		return listRange(t, r, at(rg[0], 0), at(rg[1], 0))["py"].DurationP50Ms
	}
	fromDays := map[[2]int]float64{}
	for _, rg := range ranges {
		fromDays[rg] = p50(rg)
		if exact := float64(rg[0]+rg[1]) * 5; math.Abs(fromDays[rg]-exact) > 0.05*exact {
			t.Fatalf("days %v: p50 over day states = %.1f, exact %.1f", rg, fromDays[rg], exact)
		}
	}

	settler := r.NewSettler()
	if n := settleTwice(t, settler, at(36, 0)); n.Windows != 72 {
		t.Errorf("settled %+v: want the 36 + 36 complete windows of 7 and 28 days holding days 0..34", n)
	}
	for _, rg := range ranges {
		if got := p50(rg); math.Abs(got-fromDays[rg]) > 0.01*fromDays[rg] {
			t.Errorf("days %v: p50 over windows = %.2f, over days %.2f: more than 1%% apart", rg, got, fromDays[rg])
		}
	}

	// Proof that windows are read: rows planted into the build of the 28-day
	// window over days 7..34 (the range's cover is days 0..6 and 7..34).
	plant := `INSERT INTO function_windows (tenant, provider, platform, region, account_id, function_name, span_days,
    start_day, duration_max, duration_quantiles, init_quantiles, version)
SELECT 't1', 'aws', 'aws_lambda', 'us-east-1', '1', 'py', 28, ?, maxIfState(toFloat64(1e6), toUInt8(1)),
    quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)(toFloat64(1e6), toUInt8(number < 1000)),
    quantilesTDigestIfState(0.5, 0.95, 0.99)(toFloat64(0), toUInt8(0)),
    (SELECT max(version) FROM settled_windows WHERE span_days = 28 AND start_day = toDate(?))
FROM numbers(1000)`
	if err := db.Conn.Exec(ctx, plant, at(7, 0), at(7, 0)); err != nil {
		t.Fatal(err)
	}
	if got := p50(ranges[0]); got < 1e5 {
		t.Fatalf("p50 = %.1f with a planted window of 1e6 ms: windows are not read", got)
	}

	// Late data in the planted window's days: the windows holding them are
	// not read until the job rebuilds them.
	late := rec("py", 0, duration(1))
	late.Start = at(10, 12)
	if err := schemas.InsertInvocations(ctx, db.Conn, []schemas.Invocation{late}); err != nil {
		t.Fatal(err)
	}
	if got := p50(ranges[0]); got > 1e3 {
		t.Errorf("p50 = %.1f after late data: a window of unsettled days was read", got)
	}
	if n := settleTwice(t, settler, at(36, 0)); n.Windows != 33 {
		t.Errorf("late data on day 10: settled %+v, want the 7 + 26 complete windows holding day 10", n)
	}
	want := p50(ranges[0])
	if err := db.Conn.Exec(ctx, "OPTIMIZE TABLE function_windows FINAL"); err != nil {
		t.Fatal(err)
	}
	if want > 1e3 || math.Abs(p50(ranges[0])-want) > 1e-9 {
		t.Errorf("p50 = %.1f after resettling: the rebuilt window must be read, not the planted rows", want)
	}
}

// A window is built once it is complete, even when its last days have no
// data and so are never settled themselves.
func TestWindowsOfQuietDaysAreBuilt(t *testing.T) {
	_, r, at := spreadDurations(t, 3)
	settler := r.NewSettler()
	if n := settleTwice(t, settler, at(4, 0)); n != (analyzer.Settled{Days: 4, Windows: 8}) {
		t.Errorf("day 4: settled %+v, want days 0..3 and the 4 + 4 complete windows (of 7 days from days -6..-3, of 28 from -27..-24)", n)
	}
	if n := settleTwice(t, settler, at(9, 0)); n != (analyzer.Settled{Windows: 10}) {
		t.Errorf("day 9: settled %+v, want the 5 + 5 windows completed since (of 7 days from days -2..2, of 28 from -23..-19)", n)
	}
	if got := listRange(t, r, at(0, 0), at(9, 0))["py"].DurationP50Ms; got < 14 || got > 17 {
		t.Errorf("p50 = %.1f over windows, exact 15.5", got)
	}
}
