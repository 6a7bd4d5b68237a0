package analyzer

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/faascope/faascope/billing"
	"github.com/faascope/faascope/billing/report"
)

// Reports makes, stores and serves the monthly billing reports (table
// reports, migration 0014; docs/reports.md). A month that is over is
// stored once made, so its downloads stay the same byte for byte until it
// is regenerated (e.g. after a price correction); the month to date is
// made on every request and never stored, because its figures still grow.
// Everything lives in ClickHouse, so the scheduler and the API may run in
// different processes. Safe for concurrent use.
type Reports struct {
	r *Reader
	// pricesFile is the price override file (billing.prices_file), named in
	// each report's price note; "" for the embedded catalog only.
	pricesFile string
}

// NewReports serves reports priced by r's catalog and free-tier policy.
func NewReports(r *Reader, pricesFile string) *Reports {
	return &Reports{r: r, pricesFile: pricesFile}
}

// ReportSummary is one stored report, as the report list shows it. Stored
// reports are of months that are over, never partial.
type ReportSummary struct {
	Month            string    `json:"month"` // YYYY-MM
	Generated        time.Time `json:"generated"`
	Currency         string    `json:"currency"`
	TotalUSD         float64   `json:"total_usd"`
	PreviousTotalUSD *float64  `json:"previous_total_usd,omitempty"` // absent without a month before
	PriceCatalogNote string    `json:"price_catalog_note"`
}

// Summarize is the list entry of r.
func Summarize(r report.Report) ReportSummary {
	return ReportSummary{Month: r.Month, Generated: r.Generated, Currency: r.Currency, TotalUSD: r.TotalUSD,
		PreviousTotalUSD: r.PreviousTotalUSD, PriceCatalogNote: r.PriceCatalogNote}
}

// Get returns tenant's report of month (its first instant, UTC): the stored
// one; for the month that holds now, the month to date, made now and not
// stored; for a past month never generated, one made now and stored, so
// that later downloads match it. A past month without usage in it or the
// month before is answered but not stored: asking about 1999 should not
// leave a report of 1999 in the list.
func (s *Reports) Get(ctx context.Context, tenant string, month, now time.Time) (report.Report, error) {
	if err := checkReportMonth(tenant, month, now); err != nil {
		return report.Report{}, err
	}
	if !month.Before(MonthStart(now)) {
		return s.build(ctx, tenant, month, now)
	}
	rep, found, err := s.load(ctx, tenant, month)
	if err != nil || found {
		return rep, err
	}
	rep, err = s.build(ctx, tenant, month, now)
	if err != nil || noUsage(rep) {
		return rep, err
	}
	return rep, s.save(ctx, rep, now)
}

// noUsage reports whether rep's month and the month before had no usage:
// a report of nothing, which is answered but never stored.
func noUsage(rep report.Report) bool { return len(rep.Functions) == 0 && rep.PreviousTotalUSD == nil }

// Generate makes tenant's report of a past month now and stores it,
// replacing the stored one. The month that holds now is refused: it is not
// over, and a stored report of it would pass for the month's bill. A month
// without usage in it or the month before is ErrNotFound and stores
// nothing, as Get stores nothing for it.
func (s *Reports) Generate(ctx context.Context, tenant string, month, now time.Time) (report.Report, error) {
	if err := checkReportMonth(tenant, month, now); err != nil {
		return report.Report{}, err
	}
	if !month.Before(MonthStart(now)) {
		return report.Report{}, invalid("month %s is not over: only past months are stored; "+
			"download the month to date instead (it is made on each request)", month.Format("2006-01"))
	}
	rep, err := s.build(ctx, tenant, month, now)
	if err != nil {
		return report.Report{}, err
	}
	if noUsage(rep) {
		return report.Report{}, fmt.Errorf("%w: no usage in %s or the month before: there is nothing to report",
			ErrNotFound, month.Format("2006-01"))
	}
	return rep, s.save(ctx, rep, now)
}

// Tenants lists the tenants a report of month is due for: those with usage
// in it or in the month before (whose report shows everything gone).
func (s *Reports) Tenants(ctx context.Context, month time.Time) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.r.timeout)
	defer cancel()
	return s.r.tenants(ctx, month.AddDate(0, -1, 0), month.AddDate(0, 1, 0))
}

// checkReportMonth accepts the first instant of a UTC month that has begun
// by now and that ClickHouse can hold.
func checkReportMonth(tenant string, month, now time.Time) error {
	switch {
	case tenant == "":
		return invalid("tenant is required")
	case !month.Equal(MonthStart(month)):
		return invalid("month %s is not the first instant of a UTC month", month.Format(time.RFC3339))
	case month.After(now):
		return invalid("month %s has not started yet", month.Format("2006-01"))
	case month.Year() < 1970 || month.AddDate(0, 1, 0).Year() > 2105:
		return invalid("month %s is outside 1970 to 2105", month.Format("2006-01"))
	}
	return nil
}

// MonthStart is the first instant of t's UTC calendar month: the one
// definition of a report month's start that the API and the reports job
// use too.
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// build prices the month (up to now when it is not over) and the whole
// month before with the cost API's rules, grouped by function, so that the
// report's totals are the cost API's.
func (s *Reports) build(ctx context.Context, tenant string, month, now time.Time) (report.Report, error) {
	end, partial := month.AddDate(0, 1, 0), false
	if end.After(now) {
		end, partial = now, true
	}
	cur, err := s.functionCosts(ctx, tenant, month, end)
	if err != nil {
		return report.Report{}, err
	}
	prev, err := s.functionCosts(ctx, tenant, month.AddDate(0, -1, 0), month)
	if err != nil {
		return report.Report{}, err
	}
	return report.Build(report.Input{
		Tenant: tenant, Month: month, Generated: now.UTC().Truncate(time.Second), Currency: cur.Currency,
		Functions: functionCosts(cur), Previous: functionCosts(prev), Partial: partial,
		PriceCatalogNote: s.priceNote(append(providersOf(cur), providersOf(prev)...), month),
	}), nil
}

func (s *Reports) functionCosts(ctx context.Context, tenant string, from, to time.Time) (CostReport, error) {
	c, err := s.r.Costs(ctx, CostQuery{Filter: Filter{Tenant: tenant, From: from, To: to}, GroupBy: "function"})
	if err != nil {
		return CostReport{}, fmt.Errorf("cannot price %s for the report: %w", from.Format("2006-01"), err)
	}
	return c, nil
}

// functionCosts converts the cost API's function groups for report.Build.
func functionCosts(c CostReport) []report.FunctionCost {
	out := make([]report.FunctionCost, len(c.Groups))
	for i, g := range c.Groups {
		out[i] = report.FunctionCost{Provider: g.Provider, AccountID: g.AccountID, Region: g.Region, Function: g.FunctionName,
			Requests: g.Requests, BilledGBs: g.BilledGBs, Items: g.Items, CostUSD: g.CostUSD}
	}
	return out
}

func providersOf(c CostReport) []string {
	out := make([]string, len(c.Groups))
	for i, g := range c.Groups {
		out[i] = g.Provider
	}
	return out
}

// priceNote names the price versions in force during month for the plans
// of the providers that ran (the catalog does not say which plan priced
// which function), custom plans marked, and the override file by its base
// name: the report is a document to hand around, not a place for server
// paths. A regenerated report after a price correction shows a new note.
func (s *Reports) priceNote(providers []string, month time.Time) string {
	end := month.AddDate(0, 1, 0)
	var parts []string
	for _, p := range s.r.prices.Plans() {
		if !slices.Contains(providers, p.Provider) {
			continue
		}
		for _, v := range p.Versions {
			if v.EffectiveFrom.Before(end) && (v.EffectiveUntil == nil || v.EffectiveUntil.After(month)) {
				parts = append(parts, planVersion(p, v))
			}
		}
	}
	note := strings.Join(parts, ", ")
	if s.pricesFile != "" {
		note = strings.TrimPrefix(note+"; overrides from "+filepath.Base(s.pricesFile), "; ")
	}
	return note
}

func planVersion(p billing.PlanInfo, v billing.VersionInfo) string {
	out := string(p.ID) + " " + v.EffectiveFrom.UTC().Format(time.DateOnly)
	if p.Custom {
		out += " (custom)"
	}
	return out
}

// save stores rep as the report of its tenant and month. The version is
// now in nanoseconds, so the later of two generations wins even within
// one second (Generated shows whole seconds).
func (s *Reports) save(ctx context.Context, rep report.Report, now time.Time) error {
	body, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("cannot encode the %s report of %s: %w", rep.Month, rep.Tenant, err)
	}
	month, err := time.Parse("2006-01", rep.Month)
	if err != nil {
		return fmt.Errorf("cannot store a report of month %q: %w", rep.Month, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.r.timeout)
	defer cancel()
	b, err := s.r.conn.PrepareBatch(ctx, `INSERT INTO reports (tenant, month, generated, version, currency,
		total_usd, has_previous, previous_total_usd, price_note, body)`)
	if err != nil {
		return fmt.Errorf("cannot prepare the report insert: %w", err)
	}
	defer b.Close()
	prev, hasPrev := 0.0, uint8(0)
	if rep.PreviousTotalUSD != nil {
		prev, hasPrev = *rep.PreviousTotalUSD, 1
	}
	if err := b.Append(rep.Tenant, month, rep.Generated, uint64(now.UnixNano()), rep.Currency,
		rep.TotalUSD, hasPrev, prev, rep.PriceCatalogNote, string(body)); err != nil {
		return fmt.Errorf("cannot add the %s report of %s: %w", rep.Month, rep.Tenant, err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("cannot store the %s report of %s: %w", rep.Month, rep.Tenant, err)
	}
	return nil
}

// load reads the latest stored report of tenant's month; found is false
// when there is none.
func (s *Reports) load(ctx context.Context, tenant string, month time.Time) (rep report.Report, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.r.timeout)
	defer cancel()
	var body string
	err = s.r.each(ctx, "the stored report", `SELECT argMax(body, version) FROM reports
		WHERE tenant = ? AND month = ? GROUP BY tenant, month`,
		[]any{tenant, month.Format(time.DateOnly)}, []any{&body}, func() { found = true })
	if err != nil || !found {
		return report.Report{}, false, err
	}
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		return report.Report{}, false, fmt.Errorf("cannot decode the stored %s report of %s: %w", month.Format("2006-01"), tenant, err)
	}
	return rep, true, nil
}

// listQuery takes each month's latest generation.
const listQuery = `
SELECT toString(month), argMax(generated, version), argMax(currency, version),
       argMax(total_usd, version), argMax(has_previous, version), argMax(previous_total_usd, version),
       argMax(price_note, version)
FROM reports
WHERE tenant = ?
GROUP BY month
ORDER BY month DESC`

// List returns tenant's stored reports, latest month first.
func (s *Reports) List(ctx context.Context, tenant string) ([]ReportSummary, error) {
	if tenant == "" {
		return nil, invalid("tenant is required")
	}
	ctx, cancel := context.WithTimeout(ctx, s.r.timeout)
	defer cancel()
	out := []ReportSummary{}
	var (
		day     string
		hasPrev uint8
		prev    float64
		sum     ReportSummary
	)
	dest := []any{&day, &sum.Generated, &sum.Currency, &sum.TotalUSD, &hasPrev, &prev, &sum.PriceCatalogNote}
	err := s.r.each(ctx, "the report list", listQuery, []any{tenant}, dest, func() {
		e := sum
		e.Month, e.Generated = day[:len("2006-01")], e.Generated.UTC()
		if hasPrev == 1 {
			e.PreviousTotalUSD = ptrTo(prev) // a copy: prev is scanned into again
		}
		out = append(out, e)
	})
	return out, err
}

func ptrTo(v float64) *float64 { return &v }
