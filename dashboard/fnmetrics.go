package dashboard

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/analyzer"
)

// Per-function gauges for alerting: labelled by tenant and function key
// plus the window they cover.
var (
	fnLabels       = []string{"tenant", "provider", "account", "region", "function", "window"}
	descColdStarts = prometheus.NewDesc("faascope_function_cold_start_rate",
		"Share of the function's invocations that started cold over the window.", fnLabels, nil)
	descThrottles = prometheus.NewDesc("faascope_function_throttle_rate",
		"Share of calls to the function that were throttled over the window: throttles / (invocations + throttles).", fnLabels, nil)
	descInvocations = prometheus.NewDesc("faascope_function_invocations",
		"Invocations of the function over the window.", fnLabels, nil)
	descCost = prometheus.NewDesc("faascope_function_cost_usd",
		"List-price cost of the function in USD over the window (24h: cost per day); monthly free tiers are not applied.", fnLabels, nil)
)

// functionRow is one exported function's figures.
type functionRow struct {
	tenant  string
	key     analyzer.FunctionKey
	last5m  analyzer.FunctionSummary
	last1h  analyzer.FunctionSummary
	last24h analyzer.FunctionSummary
}

// functionMetrics is a prometheus.Collector of per-function gauges. The
// figures come from Analyzer.Functions on a background refresh, so a scrape
// never waits on ClickHouse (and faascope's own metrics still arrive when
// ClickHouse is slow); scrapes read the last good figures of each tenant.
type functionMetrics struct {
	cfg    FunctionMetricsConfig
	an     Analyzer
	now    func() time.Time
	logger *slog.Logger
	errors prometheus.Counter
	lastOK prometheus.Gauge

	mu   sync.Mutex
	rows map[string][]functionRow // by tenant

	stop context.CancelFunc
	done chan struct{}
}

func newFunctionMetrics(cfg FunctionMetricsConfig, an Analyzer, now func() time.Time, logger *slog.Logger, reg prometheus.Registerer) *functionMetrics {
	m := &functionMetrics{
		cfg: cfg, an: an, now: now, logger: logger, rows: map[string][]functionRow{},
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "faascope_function_metrics_refresh_errors_total",
			Help: "Refreshes of one tenant's per-function gauges that failed; the gauges keep their last values.",
		}),
		lastOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "faascope_function_metrics_last_success_timestamp_seconds",
			Help: "When every tenant's per-function gauges were last refreshed (unix seconds).",
		}),
	}
	reg.MustRegister(m, m.errors, m.lastOK)
	return m
}

// Describe implements prometheus.Collector.
func (m *functionMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descColdStarts, descThrottles, descInvocations, descCost} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: the cached figures.
func (m *functionMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, rows := range m.rows {
		for _, r := range rows {
			emit := func(d *prometheus.Desc, window string, v float64) {
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, r.labels(window)...)
			}
			emit(descColdStarts, "5m", r.last5m.ColdStartRate)
			emit(descColdStarts, "1h", r.last1h.ColdStartRate)
			emit(descThrottles, "5m", r.last5m.ThrottleRate)
			emit(descThrottles, "1h", r.last1h.ThrottleRate)
			emit(descInvocations, "1h", float64(r.last1h.Invocations))
			emit(descCost, "24h", r.last24h.CostUSD)
		}
	}
}

// labels are r's label values in fnLabels order. Prometheus needs valid
// UTF-8, which a name from a client need not be.
func (r functionRow) labels(window string) []string {
	vs := []string{r.tenant, r.key.Provider, r.key.AccountID, r.key.Region, r.key.FunctionName, window}
	for i, v := range vs {
		vs[i] = strings.ToValidUTF8(v, "\uFFFD")
	}
	return vs
}

// start refreshes now and then every cfg.Refresh until shutdown.
func (m *functionMetrics) start() {
	ctx, cancel := context.WithCancel(context.Background())
	m.stop, m.done = cancel, make(chan struct{})
	go func() {
		defer close(m.done)
		t := time.NewTicker(m.cfg.Refresh)
		defer t.Stop()
		for {
			m.refresh(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// shutdown stops the refresh loop; safe without start and more than once.
func (m *functionMetrics) shutdown(ctx context.Context) error {
	if m.stop == nil {
		return nil
	}
	m.stop()
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("cannot stop the function metrics refresh: %w", ctx.Err())
	}
}

// refresh recomputes every tenant's gauges, each within cfg.Timeout. A
// tenant that fails keeps its last figures: a gap in an alert's input would
// resolve the alert.
func (m *functionMetrics) refresh(ctx context.Context) {
	now := m.now().UTC()
	ok := true
	for _, tenant := range m.cfg.Tenants {
		rows, err := m.tenantRows(ctx, tenant, now)
		if ctx.Err() != nil {
			return // shutting down: not a failure
		}
		if err != nil {
			ok = false
			m.errors.Inc()
			m.logger.Warn("cannot refresh function metrics; keeping the last values", "tenant", tenant, "err", err)
			continue
		}
		m.mu.Lock()
		m.rows[tenant] = rows
		m.mu.Unlock()
	}
	if ok {
		m.lastOK.Set(float64(now.Unix()))
	}
}

// tenantRows picks the tenant's functions from the last hour and reads the
// other windows for them.
func (m *functionMetrics) tenantRows(ctx context.Context, tenant string, now time.Time) ([]functionRow, error) {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	window := func(d time.Duration) analyzer.Filter {
		return analyzer.Filter{Tenant: tenant, From: now.Add(-d), To: now}
	}
	picked, err := m.pick(ctx, window(time.Hour))
	if err != nil || len(picked) == 0 {
		return nil, err
	}
	last5m, err := m.lookup(ctx, window(5*time.Minute), picked)
	if err != nil {
		return nil, err
	}
	last24h, err := m.lookup(ctx, window(24*time.Hour), picked)
	if err != nil {
		return nil, err
	}
	rows := make([]functionRow, 0, len(picked))
	for id, s := range picked {
		rows = append(rows, functionRow{tenant: tenant, key: s.FunctionKey, last1h: s, last5m: last5m[id], last24h: last24h[id]})
	}
	return rows, nil
}

// pick is the functions to export, by ID: the TopN with the most
// invocations over f's range plus up to a page of each allowlist glob. A
// function idle over the whole range is not exported.
func (m *functionMetrics) pick(ctx context.Context, f analyzer.Filter) (map[string]analyzer.FunctionSummary, error) {
	picked := map[string]analyzer.FunctionSummary{}
	add := func(f analyzer.Filter, limit int) error {
		list, err := m.an.Functions(ctx, f, analyzer.ListOptions{Sort: "invocations", Limit: limit, NoPercentiles: true})
		if err != nil {
			return fmt.Errorf("cannot list the busiest functions of tenant %s (function %q): %w", f.Tenant, f.Function, err)
		}
		for _, s := range list.Functions {
			picked[s.FunctionKey.ID()] = s
		}
		return nil
	}
	if m.cfg.TopN > 0 {
		if err := add(f, m.cfg.TopN); err != nil {
			return nil, err
		}
	}
	for _, glob := range m.cfg.Allow {
		g := f
		g.Function = glob
		if err := add(g, analyzer.MaxPageSize); err != nil {
			return nil, err
		}
	}
	return picked, nil
}

// lookup finds the picked functions' figures over f's range, paging the
// list busiest first until all are found or it ends. A function the list
// lacks had no calls in the range: its zero figures are the truth.
func (m *functionMetrics) lookup(ctx context.Context, f analyzer.Filter, picked map[string]analyzer.FunctionSummary) (map[string]analyzer.FunctionSummary, error) {
	found := map[string]analyzer.FunctionSummary{}
	for offset := 0; len(found) < len(picked); offset += analyzer.MaxPageSize {
		list, err := m.an.Functions(ctx, f, analyzer.ListOptions{Sort: "invocations", Limit: analyzer.MaxPageSize, Offset: offset, NoPercentiles: true})
		if err != nil {
			return nil, fmt.Errorf("cannot list the functions of tenant %s from %s: %w", f.Tenant, f.From.Format(time.RFC3339), err)
		}
		for _, s := range list.Functions {
			if _, ok := picked[s.FunctionKey.ID()]; ok {
				found[s.FunctionKey.ID()] = s
			}
		}
		if len(list.Functions) < analyzer.MaxPageSize {
			break
		}
	}
	return found, nil
}
