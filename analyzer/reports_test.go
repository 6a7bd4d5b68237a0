package analyzer_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/billing/report"
	"github.com/faascope/faascope/schemas"
)

var (
	november = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	october  = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	december = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	// reportNow is in December: November is over, December is the month to date.
	reportNow = time.Date(2026, 12, 5, 8, 30, 15, 123, time.UTC)
)

// reportData is October and November of tenant t1 (two AWS accounts, one
// without free tier, two regions, and a GCP project; a function that ran
// only in October) and a tenant t2 that ran only in October.
func reportData(t *testing.T) (*analyzer.Reader, *analyzer.Reports) {
	t.Helper()
	oct := -40 * 24 * time.Hour // t0 is November 20
	var recs []schemas.Invocation
	for i := range 20 {
		at := time.Duration(i) * time.Minute
		recs = append(recs,
			rec("api", at, billed(2000, 1024)),
			rec("api", oct+at, billed(1000, 1024)),
			rec("etl", at, billed(60000, 4096), account("2")),
			rec("etl", oct+at, billed(30000, 4096), account("2")),
			rec("resize", at, billed(500, 2048), account("2"), region("eu-west-1")),
			rec("gone", oct+at, billed(800, 512), account("2")),
			rec("thumbs", at, provider("gcp"), platform("gcp_cloud_run"), account("proj"), region("europe-west3"), duration(300), memory(512)),
		)
	}
	recs = append(recs, rec("other", oct, billed(100, 128), tenant("t2")))
	r := store(t, recs)
	r.SetPrices(billingCatalog(), freeTierExcept("2"))
	return r, analyzer.NewReports(r, "/etc/faascope/prices-2026.yaml")
}

// TestReportTotalsEqualTheCostAPI: every total of a report is the cost
// API's for the same month to the cent, in every grouping, and the month
// before is the cost API's total of that month.
func TestReportTotalsEqualTheCostAPI(t *testing.T) {
	r, reports := reportData(t)
	ctx := context.Background()
	rep, err := reports.Get(ctx, "t1", november, reportNow)
	if err != nil {
		t.Fatal(err)
	}
	costs := func(from, to time.Time, by string) map[string]float64 {
		c, err := r.Costs(ctx, analyzer.CostQuery{Filter: analyzer.Filter{Tenant: "t1", From: from, To: to}, GroupBy: by})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{"": c.TotalUSD}
		for _, g := range c.Groups {
			out[g.Key] = g.CostUSD
		}
		return out
	}
	reported := map[string]map[string]float64{"function": {"": rep.TotalUSD}, "account": {}, "provider": {}, "region": {}}
	for _, f := range rep.Functions {
		reported["function"][f.ID] = f.CostUSD
	}
	for by, totals := range map[string][]report.Total{"account": rep.Accounts, "provider": rep.Providers, "region": rep.Regions} {
		for _, g := range totals {
			if g.CostUSD != 0 || g.Functions > 0 { // groups that ran only in October are listed at 0
				reported[by][g.Key] = g.CostUSD
			}
		}
	}
	for by, got := range reported {
		want := costs(november, december, by)
		if by != "function" {
			delete(want, "")
		}
		if !sameCents(got, want) {
			t.Errorf("by %s: report %v, cost API %v", by, got, want)
		}
	}
	if rep.TotalUSD < 0.01 || len(rep.Functions) != 4 {
		t.Fatalf("the test month costs too little to tell: %v over %d functions", rep.TotalUSD, len(rep.Functions))
	}
	if rep.PreviousTotalUSD == nil || cents(*rep.PreviousTotalUSD) != cents(costs(october, november, "function")[""]) {
		t.Errorf("previous total %v, cost API of October %v", rep.PreviousTotalUSD, costs(october, november, "function")[""])
	}
	if rep.Partial || rep.Tenant != "t1" || rep.Month != "2026-11" || !rep.Generated.Equal(reportNow.Truncate(time.Second)) {
		t.Errorf("header: partial %v tenant %q month %q generated %v", rep.Partial, rep.Tenant, rep.Month, rep.Generated)
	}
	for _, want := range []string{"aws_lambda 20", "gcp_cloud_run 20", "; overrides from prices-2026.yaml"} {
		if !strings.Contains(rep.PriceCatalogNote, want) {
			t.Errorf("price note %q lacks %q", rep.PriceCatalogNote, want)
		}
	}
	if strings.Contains(rep.PriceCatalogNote, "azure") || strings.Contains(rep.PriceCatalogNote, "/etc/") {
		t.Errorf("price note %q names a provider that did not run or a server path", rep.PriceCatalogNote)
	}
}

func sameCents(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || cents(v) != cents(w) {
			return false
		}
	}
	return true
}

func cents(x float64) float64 { return math.Round(x * 100) }

// TestStoredReportIsStableAndReplaced: the first request of a past month
// stores it; later downloads are byte for byte the first one in every
// format (they are rendered from the stored JSON); Generate replaces it.
func TestStoredReportIsStableAndReplaced(t *testing.T) {
	_, reports := reportData(t)
	ctx := context.Background()
	first := mustReport(t, reports, november, reportNow)
	later := mustReport(t, reports, november, reportNow.Add(time.Hour))
	for name, write := range formats() {
		if a, b := render(t, first, write), render(t, later, write); !bytes.Equal(a, b) {
			t.Errorf("%s of the stored report differs from the first answer", name)
		}
	}
	list := mustReportList(t, reports, "t1")
	if len(list) != 1 || list[0].Month != "2026-11" || list[0].TotalUSD != first.TotalUSD ||
		list[0].PreviousTotalUSD == nil || *list[0].PreviousTotalUSD != *first.PreviousTotalUSD {
		t.Fatalf("list after the first download: %+v", list)
	}
	again := reportNow.Add(2 * time.Hour)
	if _, err := reports.Generate(ctx, "t1", november, again); err != nil {
		t.Fatal(err)
	}
	list = mustReportList(t, reports, "t1")
	if len(list) != 1 || !list[0].Generated.Equal(again.Truncate(time.Second)) {
		t.Fatalf("list after regenerating: %+v", list)
	}
	if got := mustReport(t, reports, november, again.Add(time.Hour)); !got.Generated.Equal(again.Truncate(time.Second)) {
		t.Errorf("download after regenerating was generated %v", got.Generated)
	}
}

// TestMonthToDateIsNeverStored: the current month is made on request,
// marked partial, and neither stored nor storable.
func TestMonthToDateIsNeverStored(t *testing.T) {
	_, reports := reportData(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	rep := mustReport(t, reports, november, now)
	if !rep.Partial || rep.TotalUSD <= 0 {
		t.Errorf("month to date: partial %v total %v", rep.Partial, rep.TotalUSD)
	}
	if _, err := reports.Generate(ctx, "t1", november, now); !errors.Is(err, analyzer.ErrInvalid) {
		t.Errorf("Generate of the current month: %v, want ErrInvalid", err)
	}
	// A past month without usage in it or the month before is answered, not stored.
	if empty := mustReport(t, reports, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), now); len(empty.Functions) != 0 {
		t.Errorf("January: %+v", empty.Functions)
	}
	if list := mustReportList(t, reports, "t1"); len(list) != 0 {
		t.Errorf("stored: %+v", list)
	}
}

// Generate refuses a month without usage in it or the month before, and
// stores nothing, as Get does; a month after usage (December, with
// November's usage as the month before) is generated.
func TestGenerateRefusesAMonthWithoutUsage(t *testing.T) {
	_, reports := reportData(t)
	ctx := context.Background()
	january := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := reports.Generate(ctx, "t1", january, reportNow); !errors.Is(err, analyzer.ErrNotFound) ||
		!strings.Contains(err.Error(), "no usage in 2026-01 or the month before") {
		t.Errorf("Generate of an empty month: %v, want ErrNotFound saying why", err)
	}
	if list := mustReportList(t, reports, "t1"); len(list) != 0 {
		t.Errorf("an empty month was stored: %+v", list)
	}
	later := reportNow.AddDate(0, 1, 0) // January 2027: December is over
	if _, err := reports.Generate(ctx, "t1", december, later); err != nil {
		t.Errorf("Generate of the month after usage: %v", err)
	}
}

func TestReportBadMonths(t *testing.T) {
	_, reports := reportData(t)
	for name, c := range map[string]struct {
		tenant string
		month  time.Time
	}{
		"future month":    {"t1", december},
		"not a month":     {"t1", november.Add(time.Hour)},
		"before 1970":     {"t1", time.Date(1969, 12, 1, 0, 0, 0, 0, time.UTC)},
		"no tenant":       {"", october},
		"not a UTC month": {"t1", time.Date(2026, 10, 1, 0, 0, 0, 0, time.FixedZone("x", 3600))},
	} {
		t.Run(name, func(t *testing.T) {
			now := november.Add(time.Hour)
			if _, err := reports.Get(context.Background(), c.tenant, c.month, now); !errors.Is(err, analyzer.ErrInvalid) {
				t.Errorf("Get: %v, want ErrInvalid", err)
			}
			if _, err := reports.Generate(context.Background(), c.tenant, c.month, now); !errors.Is(err, analyzer.ErrInvalid) {
				t.Errorf("Generate: %v, want ErrInvalid", err)
			}
		})
	}
}

// TestReportTenants: a report is due for tenants with usage in the month
// or the month before.
func TestReportTenants(t *testing.T) {
	_, reports := reportData(t)
	for month, want := range map[time.Time]string{october: "t1 t2", november: "t1 t2", december: "t1", time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC): ""} {
		got, err := reports.Tenants(context.Background(), month)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: tenants %v, want %q", month.Format("2006-01"), got, want)
		}
	}
}

func mustReport(t *testing.T, reports *analyzer.Reports, month, now time.Time) report.Report {
	t.Helper()
	rep, err := reports.Get(context.Background(), "t1", month, now)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func mustReportList(t *testing.T, reports *analyzer.Reports, tenant string) []analyzer.ReportSummary {
	t.Helper()
	list, err := reports.List(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func formats() map[string]func(report.Report, *bytes.Buffer) error {
	return map[string]func(report.Report, *bytes.Buffer) error{
		"csv":  func(r report.Report, b *bytes.Buffer) error { return r.CSV(b) },
		"json": func(r report.Report, b *bytes.Buffer) error { return r.JSON(b) },
		"html": func(r report.Report, b *bytes.Buffer) error { return r.HTML(b) },
	}
}

func render(t *testing.T, r report.Report, write func(report.Report, *bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := write(r, &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
