package analyzer_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/schemas"
)

func version(v string) opt    { return func(r *schemas.Invocation) { r.Version = v } }
func region(g string) opt     { return func(r *schemas.Invocation) { r.Region = g } }
func provider(p string) opt   { return func(r *schemas.Invocation) { r.Provider = p } }
func duration(ms float64) opt { return func(r *schemas.Invocation) { r.DurationMs = ms } }
func billed(ms, mb uint32) opt {
	return func(r *schemas.Invocation) {
		r.BilledDurationMs, r.BilledMemoryMB, r.MemoryMB, r.BillingPlan = ms, mb, mb, "aws_lambda"
	}
}
func memory(mb uint32) opt  { return func(r *schemas.Invocation) { r.MemoryMB = mb } }
func runtime(rt string) opt { return func(r *schemas.Invocation) { r.Runtime = rt } }
func arch(a string) opt     { return func(r *schemas.Invocation) { r.Architecture = a } }

func names(l analyzer.FunctionList) []string {
	var out []string
	for _, f := range l.Functions {
		out = append(out, f.FunctionName)
	}
	return out
}

func mustList(t *testing.T, r *analyzer.Reader, f analyzer.Filter, o analyzer.ListOptions) analyzer.FunctionList {
	t.Helper()
	if f.Tenant == "" {
		f.Tenant, f.From, f.To = "t1", t0, t0.Add(time.Hour)
	}
	l, err := r.Functions(context.Background(), f, o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestFiltersSelectFunctions(t *testing.T) {
	r := store(t, []schemas.Invocation{
		rec("orders-api", time.Minute, version("3")),
		rec("orders-worker", time.Minute, version("4"), platform("aws_lambda_edge")),
		rec("billing", time.Minute, region("eu-west-1")),
		rec("gcp-fn", time.Minute, provider("gcp"), platform("gcp_cloud_run"), account("proj")),
		rec("odd*name", time.Minute),
		rec("oddXname", time.Minute),
	})
	cases := []struct {
		f    analyzer.Filter
		want []string
	}{
		{analyzer.Filter{Provider: "gcp"}, []string{"gcp-fn"}},
		{analyzer.Filter{Region: "eu-west-1"}, []string{"billing"}},
		{analyzer.Filter{Account: "proj"}, []string{"gcp-fn"}},
		{analyzer.Filter{Platform: "aws_lambda_edge"}, []string{"orders-worker"}},
		{analyzer.Filter{Version: "3"}, []string{"orders-api"}},
		{analyzer.Filter{Function: "orders-*"}, []string{"orders-api", "orders-worker"}},
		{analyzer.Filter{Function: "*-???"}, []string{"orders-api"}},
		{analyzer.Filter{Function: "odd*name"}, []string{"odd*name", "oddXname"}},
		{analyzer.Filter{Function: analyzer.ExactName("odd*name")}, []string{"odd*name"}},
		{analyzer.Filter{Function: "billing"}, []string{"billing"}},
		{analyzer.Filter{Function: "bill"}, nil},
	}
	for _, c := range cases {
		c.f.Tenant, c.f.From, c.f.To = "t1", t0, t0.Add(time.Hour)
		got := names(mustList(t, r, c.f, analyzer.ListOptions{Sort: "function", Asc: true}))
		if !slices.Equal(got, c.want) {
			t.Errorf("%+v: got %v, want %v", c.f, got, c.want)
		}
	}
}

func TestSortAndPage(t *testing.T) {
	var recs []schemas.Invocation
	for i, fn := range []string{"a", "b", "c", "d"} {
		for j := 0; j <= i; j++ { // a: 1 invocation ... d: 4
			o := []opt{}
			if fn == "a" {
				o = append(o, outcome(schemas.OutcomeError))
			}
			recs = append(recs, rec(fn, time.Duration(j+1)*time.Minute, o...))
		}
	}
	r := store(t, recs)
	cases := []struct {
		o    analyzer.ListOptions
		want []string
	}{
		{analyzer.ListOptions{}, []string{"d", "c", "b", "a"}},
		{analyzer.ListOptions{Asc: true}, []string{"a", "b", "c", "d"}},
		{analyzer.ListOptions{Sort: "error_rate"}, []string{"a", "b", "c", "d"}}, // ties by name
		{analyzer.ListOptions{Limit: 2}, []string{"d", "c"}},
		{analyzer.ListOptions{Limit: 2, Offset: 2}, []string{"b", "a"}},
		{analyzer.ListOptions{Offset: 9}, nil},
	}
	for _, c := range cases {
		l := mustList(t, r, analyzer.Filter{}, c.o)
		if got := names(l); !slices.Equal(got, c.want) || l.Total != 4 {
			t.Errorf("%+v: got %v (total %d), want %v (total 4)", c.o, got, l.Total, c.want)
		}
	}
	for _, o := range []analyzer.ListOptions{{Sort: "nope"}, {Limit: analyzer.MaxPageSize + 1}, {Offset: -1}} {
		_, err := r.Functions(context.Background(), analyzer.Filter{Tenant: "t1", From: t0, To: t0.Add(time.Hour)}, o)
		if !errors.Is(err, analyzer.ErrInvalid) {
			t.Errorf("%+v: err %v, want ErrInvalid", o, err)
		}
	}
}

// exactQuantile is the nearest-rank quantile of sorted values.
func exactQuantile(sorted []float64, q float64) float64 {
	return sorted[int(math.Ceil(q*float64(len(sorted))))-1]
}

func TestFunctionDetail(t *testing.T) {
	var recs []schemas.Invocation
	var durs []float64
	for i := 0; i < 2000; i++ {
		d := 10 + float64(i%100)*float64(i%7+1) // skewed, 10..703 ms
		o := []opt{duration(d), billed(uint32(math.Ceil(d)), 512), instance("i-1")}
		if i == 0 {
			o = append(o, flagged(true), func(r *schemas.Invocation) { r.InitDurationMs = 400 })
		} else {
			o = append(o, flagged(false))
		}
		recs = append(recs, rec("api", time.Duration(i)*time.Second, o...))
		durs = append(durs, d)
	}
	r := store(t, recs)
	sort.Float64s(durs)
	k := analyzer.FunctionKey{Provider: "aws", AccountID: "1", Region: "us-east-1", FunctionName: "api"}
	d, err := r.Function(context.Background(), analyzer.Filter{Tenant: "t1", From: t0, To: t0.Add(time.Hour)}, k)
	if err != nil {
		t.Fatal(err)
	}
	// The whole day reads the day rollups: the same answer.
	dayStart := t0.Truncate(24 * time.Hour)
	whole, err := r.Function(context.Background(), analyzer.Filter{Tenant: "t1", From: dayStart, To: dayStart.Add(24 * time.Hour)}, k)
	if err != nil {
		t.Fatal(err)
	}
	if whole.Duration != d.Duration || whole.Invocations != d.Invocations || whole.Init != d.Init || whole.DurationMaxMs != d.DurationMaxMs {
		t.Errorf("day rollup %+v %+v, hour rollup %+v %+v", whole.Duration, whole.Init, d.Duration, d.Init)
	}
	if d.Invocations != 2000 || d.ColdStarts != 1 || d.ID != "aws:1:us-east-1:api" {
		t.Errorf("summary %+v", d.FunctionSummary)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"p50", d.Duration.P50, exactQuantile(durs, 0.5)}, {"p95", d.Duration.P95, exactQuantile(durs, 0.95)},
		{"p99", d.Duration.P99, exactQuantile(durs, 0.99)}} {
		rel := math.Abs(c.got-c.want) / c.want
		t.Logf("%s: t-digest %.1f ms, exact %.1f ms, error %.2f%%", c.name, c.got, c.want, 100*rel)
		if rel > 0.05 {
			t.Errorf("%s = %.1f ms, exact %.1f: t-digest error over 5%%", c.name, c.got, c.want)
		}
	}
	if d.DurationMaxMs != durs[len(durs)-1] || d.Init.P50 != 400 || d.InitAvgMs != 400 {
		t.Errorf("max %v (want %v), init p50 %v avg %v (want 400)", d.DurationMaxMs, durs[len(durs)-1], d.Init.P50, d.InitAvgMs)
	}
	if len(d.Configs) != 1 || d.Configs[0].MemoryMB != 512 || d.Configs[0].Invocations != 2000 {
		t.Errorf("configs %+v", d.Configs)
	}
	var mbms float64
	for _, x := range recs {
		mbms += float64(x.BilledDurationMs) * 512
	}
	wantCost := 2000*0.20/1e6 + mbms/1024/1000*0.0000166667 // list price, us-east-1 x86 (pricing.md §1.1)
	if math.Abs(d.CostUSD-wantCost) > 1e-9 || len(d.CostItems) == 0 {
		t.Errorf("cost %.9f, want %.9f; items %+v", d.CostUSD, wantCost, d.CostItems)
	}
	// The same GB-s at the arm64 rate, over a 1-hour range: 720 of them a month.
	armSaving := mbms / 1024 / 1000 * (0.0000166667 - 0.0000133334) * 720
	if h := d.RightSize; h == nil || !strings.Contains(h.Suggestion, "arm64") || math.Abs(h.MonthlySavingUSD-armSaving) > 1e-9 {
		t.Errorf("right-size %+v, want arm64 saving %.9f a month", h, armSaving)
	}
	_, err = r.Function(context.Background(), analyzer.Filter{Tenant: "t1", From: t0, To: t0.Add(time.Hour)},
		analyzer.FunctionKey{Provider: "aws", AccountID: "1", Region: "us-east-1", FunctionName: "nope"})
	if !errors.Is(err, analyzer.ErrNotFound) {
		t.Errorf("unknown function: err %v, want ErrNotFound", err)
	}
}

func TestSeriesBucketsAddUpToTheList(t *testing.T) {
	var recs []schemas.Invocation
	for at := 7 * time.Second; at < 5*time.Hour; at += 131 * time.Second {
		recs = append(recs, rec("fn", at, instance("i-"+time.Duration(at/time.Hour).String())))
	}
	r := store(t, recs)
	f := analyzer.Filter{Tenant: "t1", From: t0, To: t0.Add(5 * time.Hour)}
	want := mustList(t, r, f, analyzer.ListOptions{}).Functions[0]
	for _, step := range []time.Duration{0, 5 * time.Minute, time.Hour} {
		s, err := r.Series(context.Background(), f, step)
		if err != nil {
			t.Fatal(err)
		}
		var inv, cold uint64
		for _, p := range s.Points {
			inv, cold = inv+p.Invocations, cold+p.ColdStarts
		}
		if inv != want.Invocations || cold != want.ColdStarts {
			t.Errorf("step %s: series sums to %d invocations, %d cold; list says %d, %d", step, inv, cold, want.Invocations, want.ColdStarts)
		}
		if step != 0 && len(s.Points) != int(5*time.Hour/step) {
			t.Errorf("step %s: %d points, want %d", step, len(s.Points), 5*time.Hour/step)
		}
	}
	if _, err := r.Series(context.Background(), f, 7*time.Minute); !errors.Is(err, analyzer.ErrInvalid) {
		t.Errorf("step 7m: err %v, want ErrInvalid", err)
	}
}

func TestColdStartBreakdowns(t *testing.T) {
	r := store(t, []schemas.Invocation{
		// v1 at 512 MB flags its cold starts and reports init.
		rec("api", time.Minute, version("1"), memory(512), runtime("nodejs20.x"), instance("a"), flagged(true), duration(300),
			func(r *schemas.Invocation) { r.InitDurationMs = 200 }),
		rec("api", 2*time.Minute, version("1"), memory(512), runtime("nodejs20.x"), instance("a"), flagged(false), duration(100)),
		// v2 at 1024 MB sends no flag: its instance's first invocation is inferred.
		rec("api", 2*time.Hour, version("2"), memory(1024), runtime("nodejs22.x"), instance("b"), duration(500)),
		rec("api", 2*time.Hour+time.Minute, version("2"), memory(1024), runtime("nodejs22.x"), instance("b"), duration(100)),
	})
	rep, err := r.ColdStarts(context.Background(), analyzer.Filter{Tenant: "t1", From: t0, To: t0.Add(3 * time.Hour)}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Functions) != 1 {
		t.Fatalf("functions %+v", rep.Functions)
	}
	fn := rep.Functions[0]
	if fn.ColdStarts != 2 || fn.Invocations != 4 || fn.ColdStartRate != 0.5 {
		t.Errorf("totals %+v", fn)
	}
	byKey := func(bs []analyzer.Breakdown) map[string]uint64 {
		m := map[string]uint64{}
		for _, b := range bs {
			if b.ColdStarts > 0 {
				m[b.Key] = b.ColdStarts
			}
		}
		return m
	}
	for name, c := range map[string]struct{ got, want map[string]uint64 }{
		"version": {byKey(fn.ByVersion), map[string]uint64{"1": 1, "2": 1}},
		"memory":  {byKey(fn.ByMemory), map[string]uint64{"512": 1, "1024": 1}},
		"runtime": {byKey(fn.ByRuntime), map[string]uint64{"nodejs20.x": 1, "nodejs22.x": 1}},
		"hour":    {byKey(fn.ByHour), map[string]uint64{"10": 1, "12": 1}},
	} {
		if len(c.got) != len(c.want) {
			t.Errorf("by %s: %v, want %v", name, c.got, c.want)
			continue
		}
		for k, v := range c.want {
			if c.got[k] != v {
				t.Errorf("by %s: %v, want %v", name, c.got, c.want)
			}
		}
	}
	// cold 300 and 500 ms, warm 100 ms, init 200 ms: a cold start adds 200 + 300.
	if fn.ColdDurationAvgMs != 400 || fn.WarmDurationAvgMs != 100 || fn.AddedLatencyMs != 500 {
		t.Errorf("latency: cold %v warm %v added %v, want 400, 100, 500", fn.ColdDurationAvgMs, fn.WarmDurationAvgMs, fn.AddedLatencyMs)
	}
}

// 30 invocations billed 900 s at 10,240 MB: 9,000 GB-s each... per function.
func heavy(fn, acct string, n int) []schemas.Invocation {
	var out []schemas.Invocation
	for i := 0; i < n; i++ {
		out = append(out, rec(fn, time.Duration(i)*time.Minute, account(acct), billed(900_000, 10240), duration(900_000)))
	}
	return out
}

func TestCostsApplyTheFreeTierPerAccount(t *testing.T) {
	const gbsRate, reqRate = 0.0000166667, 0.20 / 1e6 // us-east-1 x86, pricing.md §1.1
	r := store(t, heavy("f1", "1", 30), heavy("f2", "1", 30), heavy("g", "2", 10))
	month := analyzer.Filter{Tenant: "t1", From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	costs := func(q analyzer.CostQuery) analyzer.CostReport {
		t.Helper()
		rep, err := r.Costs(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %.9f, want %.9f", what, got, want)
		}
	}
	// Account 1: 60 x 9,000 GB-s, 400,000 free; 60 requests, all free. Account 2: within its own allowance.
	want1 := (540_000 - 400_000) * gbsRate
	byAccount := costs(analyzer.CostQuery{Filter: month, GroupBy: "account"})
	near("total", byAccount.TotalUSD, want1)
	if len(byAccount.Groups) != 2 || byAccount.Groups[0].Key != "aws:1" {
		t.Fatalf("groups %+v", byAccount.Groups)
	}
	near("account 1", byAccount.Groups[0].CostUSD, want1)
	near("account 2", byAccount.Groups[1].CostUSD, 0)
	// One function shows its share of its account's allowance.
	f1 := month
	f1.Function = "f1"
	near("f1 alone", costs(analyzer.CostQuery{Filter: f1}).TotalUSD, want1/2)
	// The free tier is per account, on or off explicitly.
	r.SetPrices(billingCatalog(), freeTierExcept("2"))
	near("account 2 without free tier", costs(analyzer.CostQuery{Filter: month, GroupBy: "account"}).Groups[1].CostUSD, 90_000*gbsRate+10*reqRate)
	for _, bad := range []analyzer.CostQuery{
		{Filter: analyzer.Filter{Tenant: "t1", From: month.From, To: month.To.Add(time.Hour)}},
		{Filter: month, GroupBy: "team"},
	} {
		if _, err := r.Costs(context.Background(), bad); !errors.Is(err, analyzer.ErrInvalid) {
			t.Errorf("%+v: err %v, want ErrInvalid", bad, err)
		}
	}
}

func TestProjectionOfSteadyUsage(t *testing.T) {
	// 100 invocations of 1 s at 1,024 MB every day from Nov 1; now is Nov 20, 12:00.
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	var recs []schemas.Invocation
	for day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC); day.Before(now); day = day.Add(24 * time.Hour) {
		n := 100
		if day.Equal(now.Truncate(24 * time.Hour)) {
			n = 50 // half of today so far
		}
		for i := 0; i < n; i++ {
			x := rec("steady", 0, billed(1000, 1024))
			x.Start = day.Add(time.Duration(i) * 12 * time.Hour / 50 / 2)
			recs = append(recs, x)
		}
	}
	r := store(t, recs)
	r.SetPrices(billingCatalog(), freeTierExcept("1")) // no free tier: cost is linear in usage
	rep, err := r.Projection(context.Background(), analyzer.Filter{Tenant: "t1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	perDay := 100 * (1*0.0000166667 + 0.20/1e6) // 100 GB-s and 100 requests
	if got, want := rep.Total.ActualUSD, 19.5*perDay; math.Abs(got-want) > 1e-6 {
		t.Errorf("actual %.6f, want %.6f", got, want)
	}
	if got, want := rep.Total.ProjectedUSD, 30*perDay; math.Abs(got-want)/want > 0.01 {
		t.Errorf("projected %.6f, want %.6f (method %s)", got, want, rep.Method)
	}
	if !(rep.Total.ProjectedLowUSD <= rep.Total.ProjectedUSD && rep.Total.ProjectedUSD <= rep.Total.ProjectedHighUSD) {
		t.Errorf("band %+v does not hold the projection", rep.Total)
	}
	if len(rep.Functions) != 1 || len(rep.Accounts) != 1 || rep.Functions[0].ProjectedUSD != rep.Total.ProjectedUSD {
		t.Errorf("rows %+v %+v", rep.Functions, rep.Accounts)
	}
}

// An instance that ran before midnight is not new after it: inference looks
// back across the day boundary of the range.
func TestInferenceLooksBackAcrossDays(t *testing.T) {
	midnight := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	r := store(t, []schemas.Invocation{
		rec("py", midnight.Sub(t0)-10*time.Minute, instance("old")),
		rec("py", midnight.Sub(t0)+10*time.Minute, instance("old")),
		rec("py", midnight.Sub(t0)+20*time.Minute, instance("new")),
		// One host serving two functions (an Azure function app): the
		// instance seen before midnight is another function's.
		rec("app-a", midnight.Sub(t0)-5*time.Minute, instance("host")),
		rec("app-b", midnight.Sub(t0)+5*time.Minute, instance("host")),
	})
	got := list(t, r, midnight.Sub(t0), midnight.Sub(t0)+time.Hour)
	if len(got) != 2 || got["py"].ColdStarts != 1 || got["app-b"].ColdStarts != 1 {
		t.Errorf("after midnight: %+v, want 1 cold start each (instances new and host)", got)
	}
}

// A function that ran at two memory sizes is told the cheaper one, with the
// saving at the traffic of the size that served most calls.
func TestRightSizeFromMemorySizesSeen(t *testing.T) {
	var recs []schemas.Invocation
	for i := 0; i < 300; i++ { // 1,024 MB, 100 ms: 0.1 GB-s a call
		recs = append(recs, rec("fn", time.Duration(i)*time.Second, billed(100, 1024), duration(100), arch("arm64")))
	}
	for i := 0; i < 100; i++ { // 512 MB, 150 ms: 0.075 GB-s a call
		recs = append(recs, rec("fn", time.Duration(300+i)*time.Second, billed(150, 512), duration(150), arch("arm64")))
	}
	r := store(t, recs)
	d, err := r.Function(context.Background(), analyzer.Filter{Tenant: "t1", From: t0, To: t0.Add(time.Hour)},
		analyzer.FunctionKey{Provider: "aws", AccountID: "1", Region: "us-east-1", FunctionName: "fn"})
	if err != nil {
		t.Fatal(err)
	}
	saving := (0.1 - 0.075) * 0.0000133334 * 300 * 720 // per call, 300 calls an hour, 720 hours
	if h := d.RightSize; h == nil || h.Suggestion != "set memory to 512 MB" || math.Abs(h.MonthlySavingUSD-saving) > 1e-9 {
		t.Errorf("right-size %+v, want 512 MB saving %.9f a month", h, saving)
	}
}
