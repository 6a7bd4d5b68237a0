package dashboard

import (
	"errors"
	"fmt"
	"log/slog"
	"path"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/analyzer"
)

// fleet answers Functions for n functions fn-0000.. (fn-0000 busiest),
// paged as asked, with figures that tell the window apart: cold-start rate
// = window minutes / 1000, cost = window hours. idle5m has no calls in the
// last 5 minutes.
func fleet(n int, idle5m string) func(analyzer.Filter, analyzer.ListOptions) (analyzer.FunctionList, error) {
	return func(f analyzer.Filter, o analyzer.ListOptions) (analyzer.FunctionList, error) {
		window := f.To.Sub(f.From)
		var all []analyzer.FunctionSummary
		for i := range n {
			name := fmt.Sprintf("fn-%04d", i)
			if ok, _ := path.Match(f.Function, name); (f.Function != "" && !ok) || (window == 5*time.Minute && name == idle5m) {
				continue
			}
			s := summary("aws", "1", "r", name, uint64(10_000-i))
			s.ColdStartRate, s.ThrottleRate = window.Minutes()/1000, window.Minutes()/2000
			s.CostUSD = window.Hours()
			all = append(all, s)
		}
		total := len(all)
		all = all[min(o.Offset, total):min(o.Offset+o.Limit, total)]
		return analyzer.FunctionList{Total: total, Functions: all}, nil
	}
}

func newTestFunctionMetrics(cfg FunctionMetricsConfig, a *fakeAnalyzer) (*functionMetrics, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	return newFunctionMetrics(cfg, a, func() time.Time { return now }, slog.New(slog.DiscardHandler), reg), reg
}

// gauges are the gathered per-function values by "name function window",
// plus the self metrics by name.
func gauges(t *testing.T, reg prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				if l.GetName() == "function" || l.GetName() == "window" {
					key += " " + l.GetValue()
				}
			}
			out[key] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return out
}

// exported is the functions with an invocations gauge.
func exported(g map[string]float64) []string {
	var names []string
	for k := range g {
		var name string
		if _, err := fmt.Sscanf(k, "faascope_function_invocations %s 1h", &name); err == nil {
			names = append(names, name)
		}
	}
	return names
}

func TestFunctionMetricsTopNPlusAllowlist(t *testing.T) {
	cfg := NewDefaultConfig().FunctionMetrics
	cfg.TopN, cfg.Allow = 3, []string{"fn-002?", "fn-0001"}
	a := &fakeAnalyzer{functions: fleet(100, "fn-0029")}
	m, reg := newTestFunctionMetrics(cfg, a)
	m.refresh(t.Context())
	g := gauges(t, reg)
	if got := exported(g); len(got) != 3+10 {
		t.Errorf("exported %d functions %v, want the top 3 plus fn-0020..fn-0029", len(got), got)
	}
	for key, want := range map[string]float64{
		"faascope_function_invocations fn-0000 1h":                 10_000,
		"faascope_function_invocations fn-0025 1h":                 10_000 - 25,
		"faascope_function_cold_start_rate fn-0002 5m":             0.005,
		"faascope_function_cold_start_rate fn-0002 1h":             0.060,
		"faascope_function_throttle_rate fn-0021 5m":               0.0025,
		"faascope_function_throttle_rate fn-0021 1h":               0.030,
		"faascope_function_cost_usd fn-0020 24h":                   24,
		"faascope_function_cold_start_rate fn-0029 5m":             0, // idle: no calls is a rate of 0
		"faascope_function_cold_start_rate fn-0029 1h":             0.060,
		"faascope_function_metrics_refresh_errors_total":           0,
		"faascope_function_metrics_last_success_timestamp_seconds": float64(now.Unix()),
	} {
		if got, ok := g[key]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", key, got, ok, want)
		}
	}
	if _, ok := g["faascope_function_invocations fn-0003 1h"]; ok {
		t.Error("fn-0003 is neither in the top 3 nor allowed")
	}
}

func TestFunctionMetricsServeTheCacheAndKeepItOnErrors(t *testing.T) {
	a := &fakeAnalyzer{functions: fleet(5, "")}
	m, reg := newTestFunctionMetrics(NewDefaultConfig().FunctionMetrics, a)
	m.refresh(t.Context())
	calls := a.calls
	before := gauges(t, reg)
	gauges(t, reg)
	if a.calls != calls {
		t.Errorf("a scrape queried the analyzer (%d calls, want %d): scrapes read the cache", a.calls, calls)
	}

	a.functions = func(analyzer.Filter, analyzer.ListOptions) (analyzer.FunctionList, error) {
		return analyzer.FunctionList{}, errors.New("clickhouse down")
	}
	m.refresh(t.Context())
	after := gauges(t, reg)
	if after["faascope_function_metrics_refresh_errors_total"] != 1 {
		t.Errorf("refresh errors %v, want 1", after["faascope_function_metrics_refresh_errors_total"])
	}
	delete(after, "faascope_function_metrics_refresh_errors_total")
	delete(before, "faascope_function_metrics_refresh_errors_total")
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a failed refresh changed the gauges:\nbefore %v\nafter  %v", before, after)
	}

	a.functions = fleet(2, "")
	m.refresh(t.Context())
	if got := exported(gauges(t, reg)); len(got) != 2 {
		t.Errorf("after recovery exported %v, want the 2 functions left", got)
	}
}

func TestFunctionMetricsLookupPagesUntilFound(t *testing.T) {
	a := &fakeAnalyzer{functions: fleet(2500, "")}
	m, _ := newTestFunctionMetrics(NewDefaultConfig().FunctionMetrics, a)
	picked := map[string]analyzer.FunctionSummary{"aws:1:r:fn-2400": {}, "aws:1:r:gone": {}}
	found, err := m.lookup(t.Context(), analyzer.Filter{Tenant: "t", From: now.Add(-time.Hour), To: now}, picked)
	if err != nil {
		t.Fatal(err)
	}
	if found["aws:1:r:fn-2400"].Invocations != 10_000-2400 || len(found) != 1 || a.calls != 3 {
		t.Errorf("found %d functions in %d calls, want fn-2400 after paging through all 3 pages", len(found), a.calls)
	}
}

func TestFunctionMetricsRefreshInTheBackground(t *testing.T) {
	cfg := NewDefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.FunctionMetrics.Refresh = 10 * time.Millisecond
	a := &fakeAnalyzer{functions: fleet(3, "")}
	s := New(cfg, Deps{Analyzer: a, Gatherer: prometheus.NewRegistry()})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	countCalls := func() int {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.calls
	}
	for deadline := time.Now().Add(5 * time.Second); countCalls() < 6 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	stopped := countCalls()
	if stopped < 6 {
		t.Fatalf("%d analyzer calls: the refresh did not repeat", stopped)
	}
	time.Sleep(30 * time.Millisecond)
	if countCalls() != stopped {
		t.Error("the refresh kept running after Shutdown")
	}
	if err := s.Shutdown(t.Context()); err != nil {
		t.Errorf("a second Shutdown: %v", err)
	}
}

func TestFunctionMetricsDisabled(t *testing.T) {
	cfg := NewDefaultConfig()
	cfg.FunctionMetrics.TopN = 0
	s := New(cfg, Deps{Analyzer: &fakeAnalyzer{functions: fleet(3, "")}, Gatherer: prometheus.NewRegistry()})
	if s.fnMetrics != nil {
		t.Error("top_n 0 and no allowlist must export no function")
	}
	mustGet(t, s.Handler(), "/metrics")
}
