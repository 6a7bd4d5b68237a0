package dashboard

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/faascope/faascope/analyzer"
)

// Query parameters shared by several routes.
var (
	rangeParams  = []string{"from", "to"}
	filterParams = []string{"provider", "platform", "region", "account", "function", "version"}
)

// apiRoute is one route under /api/v1 with the query parameters it
// accepts. This table is the single list: handle rejects any other parameter
// (a typo must not silently widen a question) and the OpenAPI test checks
// that the document declares exactly these. GET routes read and need the
// read scope; every other method changes or operates faascope and needs the
// admin scope. Handlers answer 200 with their value as JSON, or another
// status through withStatus, or a file through download.
type apiRoute struct {
	method string
	path   string // gin syntax
	params []string
	fn     func(*gin.Context) (any, error)
}

func (s *Server) apiRoutes() []apiRoute {
	return []apiRoute{
		{http.MethodGet, "/functions", slices.Concat(filterParams, rangeParams, []string{"sort", "order", "limit", "offset"}), s.listFunctions},
		{http.MethodGet, "/functions/:id", rangeParams, s.function},
		{http.MethodGet, "/functions/:id/series", slices.Concat(rangeParams, []string{"step"}), s.functionSeries},
		{http.MethodGet, "/coldstarts", slices.Concat(filterParams, rangeParams, []string{"limit"}), s.coldStarts},
		{http.MethodGet, "/costs", slices.Concat(filterParams, rangeParams, []string{"month", "group_by"}), s.costs},
		{http.MethodGet, "/costs/projection", slices.Concat(filterParams, []string{"month"}), s.projection},
		{http.MethodGet, "/functions/:id/recommendation", nil, s.functionRecommendation},
		{http.MethodGet, "/functions/:id/replay", []string{"window", "train"}, s.replay},
		{http.MethodGet, "/recommendations", []string{"provider", "region", "account", "function", "action", "limit"}, s.recommendations},
		{http.MethodGet, "/jobs", nil, s.listJobs},
		{http.MethodPost, "/jobs/:name/run", nil, s.runJob},
		{http.MethodGet, "/reports", nil, s.listReports},
		{http.MethodGet, "/reports/:month", []string{"format"}, s.getReport},
		{http.MethodPost, "/reports/:month/generate", nil, s.generateReport},
		{http.MethodGet, "/alerts", slices.Concat(rangeParams, []string{"state", "rule", "limit"}), s.listAlerts},
		{http.MethodGet, "/alert-rules", nil, s.listAlertRules},
		{http.MethodPut, "/alert-rules/:name", nil, s.putAlertRule},
		{http.MethodDelete, "/alert-rules/:name", nil, s.deleteAlertRule},
		{http.MethodGet, "/notifiers", nil, s.listNotifiers},
		{http.MethodPost, "/notifiers/:name/test", nil, s.testNotifier},
	}
}

// checkParams rejects parameters a route does not accept and parameters
// given twice (only one value would be used).
func checkParams(q url.Values, accepted []string) error {
	var unknown, repeated []string
	for name, values := range q {
		switch {
		case !slices.Contains(accepted, name):
			unknown = append(unknown, strconv.Quote(name))
		case len(values) > 1:
			repeated = append(repeated, strconv.Quote(name))
		}
	}
	slices.Sort(unknown)
	slices.Sort(repeated)
	switch {
	case len(unknown) > 0:
		return badRequest(fmt.Sprintf("unknown query parameter %s: this route accepts %s",
			strings.Join(unknown, ", "), strings.Join(accepted, ", ")))
	case len(repeated) > 0:
		return badRequest(fmt.Sprintf("query parameter %s given more than once", strings.Join(repeated, ", ")))
	}
	return nil
}

// scope is the caller's tenant (from the token, never the query) and the
// range of ?from=&to=.
func (s *Server) scope(c *gin.Context) (analyzer.Filter, error) {
	from, to, err := s.timeRange(c)
	if err != nil {
		return analyzer.Filter{}, err
	}
	return analyzer.Filter{Tenant: c.GetString(tenantKey), From: from, To: to}, nil
}

// filter is scope narrowed by the identity parameters.
func (s *Server) filter(c *gin.Context) (analyzer.Filter, error) {
	f, err := s.scope(c)
	if err != nil {
		return f, err
	}
	return withIdentity(c, f), nil
}

// withIdentity sets f's identity filters from the query; the analyzer
// validates their length.
func withIdentity(c *gin.Context, f analyzer.Filter) analyzer.Filter {
	f.Provider, f.Platform, f.Region = c.Query("provider"), c.Query("platform"), c.Query("region")
	f.Account, f.Function, f.Version = c.Query("account"), c.Query("function"), c.Query("version")
	return f
}

// timeRange reads ?from=&to= (default: the last DefaultRange up to now).
func (s *Server) timeRange(c *gin.Context) (time.Time, time.Time, error) {
	now := s.deps.Now().UTC()
	to, err := parseTime(c.Query("to"), now, now)
	if err != nil {
		return time.Time{}, time.Time{}, badRequest("to: " + err.Error())
	}
	from, err := parseTime(c.Query("from"), now, to.Add(-s.cfg.DefaultRange))
	if err != nil {
		return time.Time{}, time.Time{}, badRequest("from: " + err.Error())
	}
	switch {
	case !to.After(from):
		return time.Time{}, time.Time{}, badRequest("from must be before to")
	case to.Sub(from) > s.cfg.MaxRange:
		return time.Time{}, time.Time{}, badRequest(fmt.Sprintf("range longer than the maximum of %s", s.cfg.MaxRange))
	}
	// Answers cover whole minutes; the response states the range it covers.
	from, to = analyzer.Round(from, to)
	return from, to, checkInDateTime(from, to)
}

// intParam reads ?name= as an integer in [lo, hi]; empty gives def.
func intParam(c *gin.Context, name string, def, lo, hi int) (int, error) {
	s := c.Query(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, badRequest(fmt.Sprintf("%s: must be an integer from %d to %d, got %q", name, lo, hi, s))
	}
	return n, nil
}

// enumParam reads ?name= as one of allowed; empty gives def.
func enumParam(c *gin.Context, name string, allowed []string, def string) (string, error) {
	s := c.Query(name)
	if s == "" {
		return def, nil
	}
	if !slices.Contains(allowed, s) {
		return "", badRequest(fmt.Sprintf("%s: must be one of %s, got %q", name, strings.Join(allowed, ", "), s))
	}
	return s, nil
}

// listOptions reads ?sort=&order=&limit=&offset=. Names sort A to Z by
// default, every number largest first.
func listOptions(c *gin.Context) (analyzer.ListOptions, error) {
	key, err := enumParam(c, "sort", analyzer.SortKeys, analyzer.SortKeys[0])
	if err != nil {
		return analyzer.ListOptions{}, err
	}
	defOrder := "desc"
	if key == "function" {
		defOrder = "asc"
	}
	order, err := enumParam(c, "order", []string{"asc", "desc"}, defOrder)
	if err != nil {
		return analyzer.ListOptions{}, err
	}
	limit, err := intParam(c, "limit", analyzer.DefaultPageSize, 1, analyzer.MaxPageSize)
	if err != nil {
		return analyzer.ListOptions{}, err
	}
	offset, err := intParam(c, "offset", 0, 0, math.MaxInt32)
	if err != nil {
		return analyzer.ListOptions{}, err
	}
	return analyzer.ListOptions{Sort: key, Asc: order == "asc", Limit: limit, Offset: offset}, nil
}

// stepParam reads ?step= (5m, 1h, 1d); empty gives 0, the analyzer's choice.
func stepParam(c *gin.Context) (time.Duration, error) {
	s := c.Query("step")
	if s == "" {
		return 0, nil
	}
	d, err := parseRelative(s)
	if err != nil || !slices.Contains(analyzer.Steps, d) {
		return 0, badRequest(fmt.Sprintf("step: must be one of %s, got %q", stepNames(), s))
	}
	return d, nil
}

// stepNames lists analyzer.Steps as a client writes them.
func stepNames() string {
	names := make([]string, len(analyzer.Steps))
	for i, d := range analyzer.Steps {
		switch {
		case d%time.Hour == 0:
			names[i] = fmt.Sprintf("%dh", d/time.Hour)
		case d%time.Minute == 0:
			names[i] = fmt.Sprintf("%dm", d/time.Minute)
		default:
			names[i] = d.String()
		}
	}
	return strings.Join(names, ", ")
}
