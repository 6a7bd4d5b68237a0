package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/billing"
	"github.com/faascope/faascope/billing/report"
)

// fakeReports stands in for the report service (analyzer.Reports, tested
// on ClickHouse in analyzer and end to end in cmd/faascope): it builds a
// one-function report of the month asked and records the call.
type fakeReports struct {
	mu         sync.Mutex
	call       string // "list", "get" or "generate"
	tenant     string
	month, now time.Time
	list       []analyzer.ReportSummary
	err        error
}

func (f *fakeReports) record(call, tenant string, month, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call, f.tenant, f.month, f.now = call, tenant, month, now
}

func (f *fakeReports) List(_ context.Context, tenant string) ([]analyzer.ReportSummary, error) {
	f.record("list", tenant, time.Time{}, time.Time{})
	return f.list, f.err
}

func (f *fakeReports) Get(_ context.Context, tenant string, month, now time.Time) (report.Report, error) {
	f.record("get", tenant, month, now)
	return sampleReport(tenant, month, now), f.err
}

func (f *fakeReports) Generate(_ context.Context, tenant string, month, now time.Time) (report.Report, error) {
	f.record("generate", tenant, month, now)
	return sampleReport(tenant, month, now), f.err
}

func sampleReport(tenant string, month, now time.Time) report.Report {
	return report.Build(report.Input{Tenant: tenant, Month: month, Generated: now, Functions: []report.FunctionCost{{
		Provider: "aws", AccountID: "1", Region: "us-east-1", Function: "=api", Requests: 10, CostUSD: 1.25,
		Items: []billing.LineItem{{Kind: "requests", Quantity: 10, Unit: "requests", Rate: 0.125, Cost: 1.25}},
	}}})
}

func newReportServer(t *testing.T, r *fakeReports) http.Handler {
	t.Helper()
	s := newAuthServer(t, &fakeAnalyzer{})
	s.deps.Reports = r
	return s.Handler()
}

func TestReportDownloads(t *testing.T) {
	r := &fakeReports{}
	h := newReportServer(t, r)
	for _, c := range []struct {
		query, contentType, ext string
		write                   func(report.Report, *bytes.Buffer) error
	}{
		{"", "application/json", "json", func(r report.Report, b *bytes.Buffer) error { return r.JSON(b) }},
		{"?format=json", "application/json", "json", func(r report.Report, b *bytes.Buffer) error { return r.JSON(b) }},
		{"?format=csv", "text/csv; charset=utf-8", "csv", func(r report.Report, b *bytes.Buffer) error { return r.CSV(b) }},
		{"?format=html", "text/html; charset=utf-8", "html", func(r report.Report, b *bytes.Buffer) error { return r.HTML(b) }},
	} {
		t.Run(c.ext+c.query, func(t *testing.T) {
			rec := call(h, "/api/v1/reports/2026-10"+c.query, acmeToken)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			october := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
			if r.call != "get" || r.tenant != "acme" || !r.month.Equal(october) || !r.now.Equal(now) {
				t.Errorf("service asked %s for tenant %q month %v at %v", r.call, r.tenant, r.month, r.now)
			}
			if got := rec.Header().Get("Content-Type"); got != c.contentType {
				t.Errorf("Content-Type %q, want %q", got, c.contentType)
			}
			_, params, err := mime.ParseMediaType(rec.Header().Get("Content-Disposition"))
			if want := "faascope-report-acme-2026-10." + c.ext; err != nil || params["filename"] != want {
				t.Errorf("Content-Disposition %q, want filename %s", rec.Header().Get("Content-Disposition"), want)
			}
			var want bytes.Buffer
			if err := c.write(sampleReport("acme", october, now), &want); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rec.Body.Bytes(), want.Bytes()) {
				t.Errorf("body\n%s\nwant\n%s", rec.Body, want.String())
			}
		})
	}
}

func TestReportBadInput(t *testing.T) {
	h := newReportServer(t, &fakeReports{})
	for _, c := range []struct{ path, want string }{
		{"/api/v1/reports/2026-13", "month: want YYYY-MM"},
		{"/api/v1/reports/26-10", "month: want YYYY-MM"},
		{"/api/v1/reports/2026-10-01", "month: want YYYY-MM"},
		{"/api/v1/reports/2026-12", "has not started yet"},
		{"/api/v1/reports/1969-12", "between 1970"},
		{"/api/v1/reports/2026-10?format=pdf", "format: must be one of json, csv, html"},
		{"/api/v1/reports/2026-10?tenant=globex", `unknown query parameter \"tenant\"`},
		{"/api/v1/reports?month=2026-10", `unknown query parameter \"month\"`},
	} {
		rec := call(h, c.path, acmeToken)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("GET %s: %d %s, want 400 with %q", c.path, rec.Code, rec.Body, c.want)
		}
	}
	rec := callMethod(h, http.MethodPost, "/api/v1/reports/2026-13/generate", globexToken)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("POST generate of a bad month: %d %s", rec.Code, rec.Body)
	}
	refused := &fakeReports{err: fmt.Errorf("refused: %w", analyzer.ErrInvalid)}
	rec = callMethod(newReportServer(t, refused), http.MethodPost, "/api/v1/reports/2026-11/generate", globexToken)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "refused") {
		t.Errorf("service's ErrInvalid: %d %s, want 400", rec.Code, rec.Body)
	}
}

func TestReportListAndGenerate(t *testing.T) {
	prev := 3.5
	r := &fakeReports{list: []analyzer.ReportSummary{{Month: "2026-10", Generated: now, Currency: "USD", TotalUSD: 4, PreviousTotalUSD: &prev}}}
	h := newReportServer(t, r)
	rec := call(h, "/api/v1/reports", acmeToken)
	var list reportsResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("%d %s: %v", rec.Code, rec.Body, err)
	}
	if list.Tenant != "acme" || r.tenant != "acme" || len(list.Reports) != 1 || *list.Reports[0].PreviousTotalUSD != 3.5 {
		t.Errorf("list %+v (service asked for %q)", list, r.tenant)
	}
	if rec := callMethod(h, http.MethodPost, "/api/v1/reports/2026-10/generate", acmeToken); rec.Code != http.StatusForbidden {
		t.Errorf("generate with a read token: %d, want 403", rec.Code)
	}
	if r.call == "generate" {
		t.Error("a read token reached Generate")
	}
	rec = callMethod(h, http.MethodPost, "/api/v1/reports/2026-10/generate", globexToken)
	var sum analyzer.ReportSummary
	if err := json.Unmarshal(rec.Body.Bytes(), &sum); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("generate with an admin token: %d %s", rec.Code, rec.Body)
	}
	if r.call != "generate" || r.tenant != "globex" || sum.Month != "2026-10" || sum.TotalUSD != 1.25 {
		t.Errorf("generate: service asked %s for %q; answer %+v", r.call, r.tenant, sum)
	}
}

// A month with nothing to report answers 404 with the service's reason.
func TestGenerateOfAMonthWithoutUsageIsNotFound(t *testing.T) {
	empty := &fakeReports{err: fmt.Errorf("%w: no usage in 2026-01 or the month before: there is nothing to report", analyzer.ErrNotFound)}
	rec := callMethod(newReportServer(t, empty), http.MethodPost, "/api/v1/reports/2026-01/generate", globexToken)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "no usage in 2026-01") {
		t.Errorf("generate of an empty month: %d %s, want 404 saying why", rec.Code, rec.Body)
	}
}

func TestReportRoutesWithoutService(t *testing.T) {
	h := New(NewDefaultConfig(), Deps{Analyzer: &fakeAnalyzer{}, Gatherer: prometheus.NewRegistry()}).Handler()
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/api/v1/reports"}, {http.MethodGet, "/api/v1/reports/2026-10"}, {http.MethodPost, "/api/v1/reports/2026-10/generate"},
	} {
		if rec := callMethod(h, c.method, c.path, ""); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s %s: %d, want 503", c.method, c.path, rec.Code)
		}
	}
}

// TestOpenAPIReportTypes: the document lists exactly the content types the
// download route answers with, one per format.
func TestOpenAPIReportTypes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]any `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var declared []string
	for ct := range doc.Paths["/api/v1/reports/{month}"]["get"].Responses["200"].Content {
		declared = append(declared, ct)
	}
	h := newReportServer(t, &fakeReports{})
	var served []string
	for _, f := range reportFormatNames {
		served = append(served, call(h, "/api/v1/reports/2026-10?format="+f, acmeToken).Header().Get("Content-Type"))
	}
	slices.Sort(declared)
	slices.Sort(served)
	if !slices.Equal(declared, served) {
		t.Errorf("openapi.json declares %v, the route serves %v", declared, served)
	}
}
