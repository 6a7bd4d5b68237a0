package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/billing/report"
)

// TestReportsEndToEnd loads two loadgen months ending at the start of the
// current one, runs the reports job through the API, and checks the stored
// report against the cost API, the downloads against the faascope report
// command, and the errors of both.
func TestReportsEndToEnd(t *testing.T) {
	in := startServe(t)
	now := time.Now().UTC()
	current := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	last, before := current.AddDate(0, -1, 0), current.AddDate(0, -2, 0)
	workload := filepath.Join(t.TempDir(), "w.yaml")
	if err := os.WriteFile(workload, []byte(monthWorkload), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"loadgen", "--endpoint", in.grpc, "--workload", workload,
		"--backfill", fmt.Sprintf("%.0fh", current.Sub(before).Hours()), "--end", current.Format(time.RFC3339), "--seed", "5",
	}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("loadgen exited %d: %s %s", code, stdout.String(), stderr.String())
	}
	waitShipped(t, in.api)
	month := last.Format("2006-01")
	t.Run("job", func(t *testing.T) { checkReportsJob(t, in, month) })
	t.Run("totals", func(t *testing.T) { checkReportTotals(t, in.api, month, before.Format("2006-01")) })
	t.Run("command", func(t *testing.T) { checkReportCommand(t, in.api, month) })
	t.Run("month to date", func(t *testing.T) { checkMonthToDate(t, in.api, current.Format("2006-01")) })
	t.Run("bad input", func(t *testing.T) { checkReportErrors(t, in.api, current) })
}

type reportList struct {
	Tenant  string
	Reports []struct {
		Month     string
		Generated time.Time
		TotalUSD  float64 `json:"total_usd"`
	}
}

// checkReportsJob: the job stores the month before's report of the one
// tenant, and running it again replaces it.
func checkReportsJob(t *testing.T, in *instance, month string) {
	var list reportList
	getJSON(t, in.api, "/api/v1/reports", http.StatusOK, &list)
	if len(list.Reports) != 0 {
		t.Fatalf("reports before the job ran: %+v", list)
	}
	runJob(t, in.api, "reports")
	getJSON(t, in.api, "/api/v1/reports", http.StatusOK, &list)
	if list.Tenant != "default" || len(list.Reports) != 1 || list.Reports[0].Month != month || list.Reports[0].TotalUSD <= 0 {
		t.Fatalf("reports after the job: %+v", list)
	}
	first := list.Reports[0].Generated
	time.Sleep(time.Second) // generation times are shown in seconds
	runJob(t, in.api, "reports")
	getJSON(t, in.api, "/api/v1/reports", http.StatusOK, &list)
	if len(list.Reports) != 1 || !list.Reports[0].Generated.After(first) {
		t.Errorf("reports after the second run: %+v (first generated %v)", list, first)
	}
	var rows uint64
	if err := in.db.Conn.QueryRow(context.Background(), "SELECT count() FROM reports FINAL").Scan(&rows); err != nil || rows != 1 {
		t.Errorf("stored reports after two runs, merged: %d (%v), want 1", rows, err)
	}
}

// checkReportTotals: the report's totals are GET /api/v1/costs's for the
// same month to the cent, per tenant, account, provider, region and
// function, and its month before is the cost API's total of that month.
func checkReportTotals(t *testing.T, api, month, monthBefore string) {
	var rep report.Report
	getJSON(t, api, "/api/v1/reports/"+month+"?format=json", http.StatusOK, &rep)
	lists := map[string]map[string]float64{"function": {}, "account": {}, "provider": {}, "region": {}}
	for _, f := range rep.Functions {
		lists["function"][f.ID] = f.CostUSD
	}
	for by, totals := range map[string][]report.Total{"account": rep.Accounts, "provider": rep.Providers, "region": rep.Regions} {
		for _, g := range totals {
			lists[by][g.Key] = g.CostUSD
		}
	}
	for by, got := range lists {
		var want costReport
		getJSON(t, api, "/api/v1/costs?month="+month+"&group_by="+by, http.StatusOK, &want)
		if toCents(rep.TotalUSD) != toCents(want.TotalUSD) || len(want.Groups) != len(got) {
			t.Errorf("by %s: report total %v over %d groups, cost API %v over %d", by, rep.TotalUSD, len(got), want.TotalUSD, len(want.Groups))
		}
		for _, g := range want.Groups {
			if v, ok := got[g.Key]; !ok || toCents(v) != toCents(g.CostUSD) {
				t.Errorf("by %s, %s: report %v, cost API %v", by, g.Key, v, g.CostUSD)
			}
		}
	}
	var prev costReport
	getJSON(t, api, "/api/v1/costs?month="+monthBefore, http.StatusOK, &prev)
	if rep.PreviousTotalUSD == nil || prev.TotalUSD <= 0 || toCents(*rep.PreviousTotalUSD) != toCents(prev.TotalUSD) {
		t.Errorf("month before: report %v, cost API %v", rep.PreviousTotalUSD, prev.TotalUSD)
	}
	if len(rep.Accounts) != 2 || len(rep.Functions) != 3 || rep.Partial {
		t.Errorf("report of %d accounts, %d functions, partial %v; want 2, 3, false", len(rep.Accounts), len(rep.Functions), rep.Partial)
	}
}

func toCents(x float64) float64 { return math.Round(x * 100) }

// checkReportCommand: faascope report writes exactly what the API
// downloads, to a file or stdout, in each format.
func checkReportCommand(t *testing.T, api, month string) {
	dir := t.TempDir()
	for _, format := range []string{"csv", "json", "html"} {
		code, want := getBody(t, "http://"+api+"/api/v1/reports/"+month+"?format="+format)
		if code != http.StatusOK {
			t.Fatalf("download %s: %d %s", format, code, want)
		}
		out := filepath.Join(dir, "report."+format)
		runReportCommand(t, 0, "", "--month", month, "--format", format, "--out", out, "--api", "http://"+api, "--tenant", "default")
		if got, err := os.ReadFile(out); err != nil || string(got) != want {
			t.Errorf("--format %s --out: file differs from the API download (%v)", format, err)
		}
		if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("--out %s: mode %v (%v), want 0600: a bill is for its owner", format, fi.Mode().Perm(), err)
		}
		if got := runReportCommand(t, 0, "", "--month", month, "--format", format, "--api", "http://"+api); got != want {
			t.Errorf("--format %s to stdout differs from the API download", format)
		}
	}
	if _, want := getBody(t, "http://"+api+"/api/v1/reports/"+month); runReportCommand(t, 0, "", "--month", month, "--api", "http://"+api) != want {
		t.Error("the CLI's default format is not the API's (JSON)")
	}
}

// runReportCommand runs faascope report, checks its exit code and that
// stderr holds wantErr, and returns stdout.
func runReportCommand(t *testing.T, wantCode int, wantErr string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"report"}, args...), nil, &stdout, &stderr)
	if code != wantCode || !strings.Contains(stderr.String(), wantErr) {
		t.Errorf("report %v: exit %d, stderr %q; want exit %d with %q", args, code, stderr.String(), wantCode, wantErr)
	}
	return stdout.String()
}

// checkMonthToDate: the current month is made on request, marked partial,
// and never stored or regenerated.
func checkMonthToDate(t *testing.T, api, month string) {
	var rep report.Report
	getJSON(t, api, "/api/v1/reports/"+month, http.StatusOK, &rep)
	if !rep.Partial || rep.Month != month || rep.PreviousTotalUSD == nil {
		t.Errorf("month to date: partial %v, month %s, previous %v", rep.Partial, rep.Month, rep.PreviousTotalUSD)
	}
	var list reportList
	getJSON(t, api, "/api/v1/reports", http.StatusOK, &list)
	for _, r := range list.Reports {
		if r.Month == month {
			t.Errorf("the month to date was stored: %+v", list)
		}
	}
	resp, err := http.Post("http://"+api+"/api/v1/reports/"+month+"/generate", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST generate of the current month: %d, want 400", resp.StatusCode)
	}
}

// checkReportErrors: bad input is a 400 from the API, and exit code 2
// (bad flags) or 1 (refused by the API, unreachable) from the command.
func checkReportErrors(t *testing.T, api string, current time.Time) {
	next := current.AddDate(0, 1, 0).Format("2006-01")
	for _, path := range []string{"/api/v1/reports/" + next, "/api/v1/reports/2026-1", "/api/v1/reports/2026-10?format=pdf"} {
		if code, body := getBody(t, "http://"+api+path); code != http.StatusBadRequest || !strings.Contains(body, `"bad_request"`) {
			t.Errorf("GET %s: %d %s, want 400", path, code, body)
		}
	}
	url := "http://" + api
	runReportCommand(t, 2, "--month is required", "--api", url)
	runReportCommand(t, 2, "--month: want YYYY-MM", "--month", "October", "--api", url)
	runReportCommand(t, 2, "--format: want one of json, csv, html", "--month", "2026-10", "--format", "pdf", "--api", url)
	runReportCommand(t, 2, "unexpected arguments", "--month", "2026-10", "--api", url, "extra")
	runReportCommand(t, 1, "has not started yet", "--month", next, "--api", url)
	runReportCommand(t, 1, `the token belongs to tenant "default"`, "--month", "2026-10", "--api", url, "--tenant", "acme")
	runReportCommand(t, 1, "cannot reach faascope", "--month", "2026-10", "--api", "http://"+freeAddr(t))
	out := filepath.Join(t.TempDir(), "kept.csv")
	if err := os.WriteFile(out, []byte("earlier"), 0o644); err != nil {
		t.Fatal(err)
	}
	runReportCommand(t, 1, "has not started yet", "--month", next, "--api", url, "--out", out)
	if got, _ := os.ReadFile(out); string(got) != "earlier" {
		t.Errorf("a failed download changed --out to %q", got)
	}
}
