package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func TestBuild(t *testing.T) {
	tests := []struct {
		name  string
		in    Input
		check func(t *testing.T, r Report)
	}{
		{"totals per account, provider and region are sums of functions", sample(), checkSums},
		{"month label, currency and note", Input{Tenant: "t", Month: october, Currency: "", PriceCatalogNote: "v1"},
			func(t *testing.T, r Report) {
				if r.Month != "2026-10" || r.Currency != "USD" || r.PriceCatalogNote != "v1" || r.Tenant != "t" {
					t.Errorf("got month %q currency %q note %q tenant %q", r.Month, r.Currency, r.PriceCatalogNote, r.Tenant)
				}
			}},
		{"change and percent against the month before", Input{
			Functions: []FunctionCost{costing("a", "r", "f", 150), costing("a", "r", "g", 50)},
			Previous:  []FunctionCost{costing("a", "r", "f", 100), costing("a", "r", "g", 100)},
		}, func(t *testing.T, r Report) {
			wantChange(t, "total", r.PreviousTotalUSD, r.ChangeUSD, r.ChangePct, 200, 0, ptr(0))
			wantChange(t, "account", r.Accounts[0].PreviousUSD, r.Accounts[0].ChangeUSD, r.Accounts[0].ChangePct, 200, 0, ptr(0))
			f := r.Functions[0].Change
			wantChange(t, "f", f.PreviousUSD, f.ChangeUSD, f.ChangePct, 100, 50, ptr(50))
			g := r.Functions[1].Change
			wantChange(t, "g", g.PreviousUSD, g.ChangeUSD, g.ChangePct, 100, -50, ptr(-50))
		}},
		{"movers: new, up, down, gone; unchanged to the cent left out", Input{
			Functions: []FunctionCost{costing("a", "r", "new", 5), costing("a", "r", "up", 30), costing("a", "r", "down", 1), costing("a", "r", "same", 7), costing("a", "r", "tiny", 7.004)},
			Previous: []FunctionCost{costing("a", "r", "up", 10), costing("a", "r", "down", 4), costing("a", "r", "same", 7), costing("a", "r", "tiny", 7),
				costing("b", "r", "gone", 2)},
		}, func(t *testing.T, r Report) {
			got := moverSummary(r.TopMovers)
			want := []string{"up up +20", "new new +5", "down down -3", "gone gone -2"}
			if !slices.Equal(got, want) {
				t.Errorf("movers %v, want %v", got, want)
			}
			if !r.Functions[slices.IndexFunc(r.Functions, func(f FunctionLine) bool { return f.Function == "new" })].New {
				t.Error("function new is not marked new")
			}
			if r.TopMovers[0].ChangePct == nil || *r.TopMovers[0].ChangePct != 200 || r.TopMovers[1].ChangePct != nil {
				t.Errorf("percent of up and new: %v, %v", r.TopMovers[0].ChangePct, r.TopMovers[1].ChangePct)
			}
			gone := r.Accounts[len(r.Accounts)-1]
			if gone.AccountID != "b" || gone.CostUSD != 0 || gone.Functions != 0 || *gone.ChangeUSD != -2 {
				t.Errorf("account that only ran last month: %+v", gone)
			}
		}},
		{"empty month, no previous", Input{Month: october}, func(t *testing.T, r Report) {
			if r.TotalUSD != 0 || r.PreviousTotalUSD != nil || r.ChangeUSD != nil || r.ChangePct != nil {
				t.Errorf("totals of an empty month: %+v", r)
			}
			for name, n := range map[string]bool{"accounts": r.Accounts == nil, "providers": r.Providers == nil,
				"regions": r.Regions == nil, "functions": r.Functions == nil, "movers": r.TopMovers == nil, "items": r.LineItemTotals == nil} {
				if n {
					t.Errorf("%s is nil, want empty", name)
				}
			}
		}},
		{"empty month after a month with costs: everything gone", Input{
			Previous: []FunctionCost{costing("a", "r", "f", 3)},
		}, func(t *testing.T, r Report) {
			wantChange(t, "total", r.PreviousTotalUSD, r.ChangeUSD, r.ChangePct, 3, -3, ptr(-100))
			if got := moverSummary(r.TopMovers); !slices.Equal(got, []string{"f gone -3"}) {
				t.Errorf("movers %v", got)
			}
		}},
		{"no previous month: no changes, no movers, nothing new", Input{
			Functions: []FunctionCost{costing("a", "r", "f", 3)},
		}, func(t *testing.T, r Report) {
			f := r.Functions[0]
			if f.New || f.PreviousUSD != nil || f.ChangeUSD != nil || r.Accounts[0].ChangeUSD != nil || len(r.TopMovers) != 0 {
				t.Errorf("function %+v, account %+v, movers %v", f, r.Accounts[0], r.TopMovers)
			}
		}},
		{"previous month free: change without percent", Input{
			Functions: []FunctionCost{costing("a", "r", "f", 3)},
			Previous:  []FunctionCost{costing("a", "r", "f", 0)},
		}, func(t *testing.T, r Report) {
			wantChange(t, "total", r.PreviousTotalUSD, r.ChangeUSD, r.ChangePct, 0, 3, nil)
			if r.Functions[0].New || r.TopMovers[0].Kind != MoverUp {
				t.Errorf("a function that ran free last month is not new: %+v", r.TopMovers)
			}
		}},
		{"entries of one function are added together", Input{
			Functions: []FunctionCost{costing("a", "r", "f", 1), costing("a", "r", "f", 2), costing("a", "q", "f", 4)},
		}, func(t *testing.T, r Report) {
			if len(r.Functions) != 2 || r.Functions[1].CostUSD != 3 || len(r.Functions[1].Items) != 2 || r.Functions[1].Requests != 2000 {
				t.Errorf("functions %+v", r.Functions)
			}
			if r.Accounts[0].Functions != 2 {
				t.Errorf("account counts %d functions, want 2", r.Accounts[0].Functions)
			}
		}},
		{"line items summed per kind and unit", sample(), func(t *testing.T, r Report) {
			got := map[string]float64{}
			for _, it := range r.LineItemTotals {
				got[it.Kind+" "+it.Unit] = it.Quantity
			}
			want := map[string]float64{"requests requests": 15_030_031, "compute GB-s": 2_110_012.5, "init GB-s": 11_250,
				"provisioned_concurrency GB-s": 4_320_000, "ephemeral_storage GB-s": 120_000, "compute_cpu GHz-s": 1_040_000}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("item quantities %v, want %v", got, want)
			}
			if !slices.IsSortedFunc(r.LineItemTotals, func(a, b ItemTotal) int { return -cmpFloat(a.CostUSD, b.CostUSD) }) {
				t.Errorf("item totals not by cost: %+v", r.LineItemTotals)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, Build(tt.in)) })
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkSums holds the report to the rule that makes it agree with the cost
// API: every total is the sum of its functions' costs, added in the
// report's order.
func checkSums(t *testing.T, r Report) {
	t.Helper()
	groups := map[string]func(FunctionLine) string{
		"account":  func(f FunctionLine) string { return f.Provider + ":" + f.AccountID },
		"provider": func(f FunctionLine) string { return f.Provider },
		"region":   func(f FunctionLine) string { return f.Provider + ":" + f.Region },
	}
	lists := map[string][]Total{"account": r.Accounts, "provider": r.Providers, "region": r.Regions}
	var total float64
	for _, f := range r.Functions {
		total += f.CostUSD
	}
	if r.TotalUSD != total {
		t.Errorf("total %v, sum of functions %v", r.TotalUSD, total)
	}
	for name, key := range groups {
		sums := map[string]float64{}
		for _, f := range r.Functions {
			sums[key(f)] += f.CostUSD
		}
		var all float64
		for _, g := range lists[name] {
			all += g.CostUSD
			if g.CostUSD != sums[g.Key] {
				t.Errorf("%s %s: %v, sum of its functions %v", name, g.Key, g.CostUSD, sums[g.Key])
			}
		}
		if math.Abs(all-r.TotalUSD) > 1e-9 {
			t.Errorf("%s totals add up to %v, total %v", name, all, r.TotalUSD)
		}
		if !slices.IsSortedFunc(lists[name], func(a, b Total) int { return -cmpFloat(a.CostUSD, b.CostUSD) }) {
			t.Errorf("%s totals not by cost", name)
		}
	}
}

func wantChange(t *testing.T, what string, prev, change, pct *float64, wantPrev, wantChange float64, wantPct *float64) {
	t.Helper()
	if prev == nil || change == nil || *prev != wantPrev || *change != wantChange {
		t.Errorf("%s: previous %v change %v, want %v %v", what, show(prev), show(change), wantPrev, wantChange)
	}
	if (pct == nil) != (wantPct == nil) || (pct != nil && math.Abs(*pct-*wantPct) > 1e-9) {
		t.Errorf("%s: percent %v, want %v", what, show(pct), show(wantPct))
	}
}

func show(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func moverSummary(ms []Mover) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = fmt.Sprintf("%s %s %+g", m.Function, m.Kind, *m.ChangeUSD)
	}
	return out
}

func TestBuildMoversKeepsTenEachWay(t *testing.T) {
	var in Input
	for i := range 25 {
		name := fmt.Sprintf("f%02d", i)
		in.Previous = append(in.Previous, costing("a", "r", name, 100))
		in.Functions = append(in.Functions, costing("a", "r", name, 100+float64(i-12)))
	}
	got := moverSummary(Build(in).TopMovers)
	want := []string{"f24 up +12", "f23 up +11", "f22 up +10", "f21 up +9", "f20 up +8", "f19 up +7", "f18 up +6", "f17 up +5", "f16 up +4", "f15 up +3",
		"f00 down -12", "f01 down -11", "f02 down -10", "f03 down -9", "f04 down -8", "f05 down -7", "f06 down -6", "f07 down -5", "f08 down -4", "f09 down -3"}
	if !slices.Equal(got, want) {
		t.Errorf("movers\n%v\nwant\n%v", got, want)
	}
}

// TestBuildIgnoresInputOrder: the job reads functions in whatever order
// ClickHouse returns them; a regenerated report must not differ.
func TestBuildIgnoresInputOrder(t *testing.T) {
	want := Build(sample())
	for seed := range uint64(5) {
		in := sample()
		rng := rand.New(rand.NewPCG(seed, 1))
		rng.Shuffle(len(in.Functions), func(i, j int) { in.Functions[i], in.Functions[j] = in.Functions[j], in.Functions[i] })
		rng.Shuffle(len(in.Previous), func(i, j int) { in.Previous[i], in.Previous[j] = in.Previous[j], in.Previous[i] })
		if got := Build(in); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: report depends on input order", seed)
		}
	}
}

func TestBuildSharesNothingWithInput(t *testing.T) {
	in := sample()
	r := Build(in)
	in.Functions[0].Items[0].Cost = -1
	for _, f := range r.Functions {
		for _, it := range f.Items {
			if it.Cost == -1 {
				t.Fatal("changing the input changed the report")
			}
		}
	}
}
