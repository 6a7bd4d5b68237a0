package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/billing/report"
)

// ReportService makes, stores and serves monthly billing reports
// (*analyzer.Reports). month is the first instant of a UTC month that has
// begun by now. Errors wrapping analyzer.ErrInvalid become 400.
type ReportService interface {
	// List returns tenant's stored reports, latest month first.
	List(ctx context.Context, tenant string) ([]analyzer.ReportSummary, error)
	// Get returns the stored report of a past month (made and stored on
	// the first request), or the current month to date (made now, never
	// stored).
	Get(ctx context.Context, tenant string, month, now time.Time) (report.Report, error)
	// Generate makes a past month's report now and stores it in place of
	// the stored one; the current month is refused with ErrInvalid.
	Generate(ctx context.Context, tenant string, month, now time.Time) (report.Report, error)
}

// errNoReports answers the report routes when the server has no report
// service (a test or embedding without storage).
var errNoReports = &apiError{http.StatusServiceUnavailable, "unavailable", "reports are not available in this process"}

type reportsResponse struct {
	Tenant  string                   `json:"tenant"` // the token's: a caller sees its own tenant's reports only
	Reports []analyzer.ReportSummary `json:"reports"`
}

// reportFormat is how one ?format= is downloaded.
type reportFormat struct {
	contentType string
	write       func(report.Report, *bytes.Buffer) error
}

// reportFormatNames are the download formats; the first is the default.
var reportFormatNames = []string{"json", "csv", "html"}

// reportFormats render a report for download.
var reportFormats = map[string]reportFormat{
	"json": {"application/json", func(r report.Report, b *bytes.Buffer) error { return r.JSON(b) }},
	"csv":  {"text/csv; charset=utf-8", func(r report.Report, b *bytes.Buffer) error { return r.CSV(b) }},
	"html": {"text/html; charset=utf-8", func(r report.Report, b *bytes.Buffer) error { return r.HTML(b) }},
}

func (s *Server) listReports(c *gin.Context) (any, error) {
	if s.deps.Reports == nil {
		return nil, errNoReports
	}
	tenant := c.GetString(tenantKey)
	list, err := s.deps.Reports.List(c.Request.Context(), tenant)
	if err != nil {
		return nil, fmt.Errorf("cannot list reports: %w", err)
	}
	return reportsResponse{Tenant: tenant, Reports: list}, nil
}

// getReport downloads one month's report as a file named after the tenant
// and month, so that saved reports of several tenants do not collide.
func (s *Server) getReport(c *gin.Context) (any, error) {
	format, err := enumParam(c, "format", reportFormatNames, reportFormatNames[0])
	if err != nil {
		return nil, err
	}
	rep, err := s.report(c, false)
	if err != nil {
		return nil, err
	}
	f := reportFormats[format]
	var body bytes.Buffer
	if err := f.write(rep, &body); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("faascope-report-%s-%s.%s", rep.Tenant, rep.Month, format)
	return download{contentType: f.contentType, filename: name, body: body.Bytes()}, nil
}

// generateReport regenerates a past month now (e.g. after a price
// correction) and answers with the stored report's summary.
func (s *Server) generateReport(c *gin.Context) (any, error) {
	rep, err := s.report(c, true)
	if err != nil {
		return nil, err
	}
	return analyzer.Summarize(rep), nil
}

// report gets (or, with regenerate, generates) the caller's tenant's
// report of the path's :month (YYYY-MM, not after now's month).
func (s *Server) report(c *gin.Context, regenerate bool) (report.Report, error) {
	if s.deps.Reports == nil {
		return report.Report{}, errNoReports
	}
	now := s.deps.Now().UTC()
	month, err := parseMonth(c.Param("month"), now)
	if err != nil {
		return report.Report{}, err
	}
	op, verb := s.deps.Reports.Get, "make"
	if regenerate {
		op, verb = s.deps.Reports.Generate, "generate"
	}
	rep, err := op(c.Request.Context(), c.GetString(tenantKey), month, now)
	if err != nil {
		return report.Report{}, fmt.Errorf("cannot %s the %s report: %w", verb, c.Param("month"), err)
	}
	return rep, nil
}
