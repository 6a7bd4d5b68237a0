package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/internal/chtest"
	"github.com/faascope/faascope/schemas"
)

// TestReportsJobPerTenant: the job reports the month before on every
// tenant with usage, a tenant that cannot be priced fails alone, and a
// second run replaces the reports rather than adding to them.
func TestReportsJobPerTenant(t *testing.T) {
	db := chtest.NewDatabase(t)
	ctx := context.Background()
	if _, err := (&schemas.Migrator{Conn: db.Conn, DDLContext: db.DDLContext}).Up(ctx); err != nil {
		t.Fatal(err)
	}
	november := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	var recs []schemas.Invocation
	for _, tenant := range []string{"acme", "globex", "broken", "october-only"} {
		r := schemas.Invocation{Tenant: tenant, Provider: "aws", Platform: "aws_lambda", Region: "us-east-1", AccountID: "1",
			FunctionName: "api", Start: november, DurationMs: 100, BilledDurationMs: 100, BilledMemoryMB: 128, MemoryMB: 128,
			BillingPlan: "aws_lambda", Type: schemas.RecordInvocation, Outcome: schemas.OutcomeOK, ColdStartSource: schemas.ColdUnknown}
		switch tenant {
		case "broken":
			r.BillingPlan = "no_such_plan" // cannot be priced
		case "october-only":
			r.Start = november.AddDate(0, -1, 0) // its November report shows everything gone
		}
		recs = append(recs, r)
	}
	if err := schemas.InsertInvocations(ctx, db.Conn, recs); err != nil {
		t.Fatal(err)
	}
	reports := analyzer.NewReports(analyzer.NewReader(db.Conn, 30*time.Second), "")
	reg := prometheus.NewRegistry()
	j := newReportsJob(reports, reg, slog.New(slog.DiscardHandler))
	j.now = func() time.Time { return time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC) }
	for run := 1; run <= 2; run++ {
		summary, err := j.run(ctx)
		if summary != "2026-11: 3 of 4 tenants reported" || err == nil || !strings.Contains(err.Error(), "tenant broken") {
			t.Fatalf("run %d: %q, %v", run, summary, err)
		}
	}
	for _, tenant := range []string{"acme", "globex", "october-only", "broken"} {
		list, err := reports.List(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 0, false: 1}[tenant == "broken"]; len(list) != want || (want == 1 && list[0].Month != "2026-11") {
			t.Errorf("%s: reports %+v, want %d of 2026-11", tenant, list, want)
		}
	}
	var rows uint64
	if err := db.Conn.QueryRow(ctx, "SELECT count() FROM reports FINAL").Scan(&rows); err != nil || rows != 3 {
		t.Errorf("reports after two runs, merged: %d rows (%v), want 3", rows, err)
	}
	ok, failed := testutil.ToFloat64(j.results.WithLabelValues("ok")), testutil.ToFloat64(j.results.WithLabelValues("error"))
	if ok != 6 || failed != 2 {
		t.Errorf("faascope_reports_generated_total: ok %v, error %v; want 6 and 2", ok, failed)
	}
	if again := newReportsJob(reports, reg, slog.New(slog.DiscardHandler)); again.results != j.results {
		t.Error("jobs built twice on one registry do not share the counter")
	}
}
