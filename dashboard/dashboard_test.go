package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/analyzer"
)

func TestRangeParsing(t *testing.T) {
	cases := []struct {
		query    string
		from, to time.Time
	}{
		{"", now.Add(-24 * time.Hour), now},
		{"?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z", date(2026, 11, 1, 0), date(2026, 11, 2, 0)},
		{"?from=2026-11-01T01:00:00%2B01:00", date(2026, 11, 1, 0), now},
		{"?from=1793836800&to=1793840400", time.Unix(1793836800, 0).UTC(), time.Unix(1793840400, 0).UTC()},
		{"?from=7d", now.Add(-7 * 24 * time.Hour), now},
		{"?from=90m&to=30m", now.Add(-90 * time.Minute), now.Add(-30 * time.Minute)},
	}
	for _, path := range []string{"/api/v1/functions", "/api/v1/functions/aws:1:r:f", "/api/v1/functions/aws:1:r:f/series", "/api/v1/coldstarts"} {
		for _, c := range cases {
			a := &fakeAnalyzer{}
			mustGet(t, newTestServer(a, nil), path+c.query)
			if !a.filter.From.Equal(c.from) || !a.filter.To.Equal(c.to) || a.filter.Tenant != "default" {
				t.Errorf("%s%s: filter %+v, want from %s to %s", path, c.query, a.filter, c.from, c.to)
			}
		}
	}
}

func TestBadRequests(t *testing.T) {
	for _, c := range []struct{ path, want string }{
		{"/api/v1/functions?from=yesterday", "from: cannot read time"},
		{"/api/v1/functions?to=2026-13-01", "to: cannot read time"},
		{"/api/v1/functions?from=1h&to=2h", "from must be before to"},
		{"/api/v1/functions?from=2000d", "range longer than the maximum"},
		{"/api/v1/functions?from=0&to=99999999999", "range longer"},
		{"/api/v1/functions?from=-5&to=1", "between 1970"},
		{"/api/v1/functions?fucntion=orders", `unknown query parameter "fucntion": this route accepts provider,`},
		{"/api/v1/functions?b=1&a=2", `unknown query parameter "a", "b"`},
		{"/api/v1/functions?provider=aws&provider=gcp", `query parameter "provider" given more than once`},
		{"/api/v1/functions?sort=name", "sort: must be one of invocations, errors"},
		{"/api/v1/functions?order=up", "order: must be one of asc, desc"},
		{"/api/v1/functions?limit=0", "limit: must be an integer from 1 to 1000"},
		{"/api/v1/functions?limit=1001", "limit: must be an integer from 1 to 1000"},
		{"/api/v1/functions?limit=ten", "limit: must be an integer"},
		{"/api/v1/functions?offset=-1", "offset: must be an integer from 0"},
		{"/api/v1/functions/aws", "function id \"aws\": want provider:account:region:name"},
		{"/api/v1/functions/:1:r:f", "want provider:account:region:name"},
		{"/api/v1/functions/aws:1:r:f?provider=aws", `unknown query parameter "provider"`},
		{"/api/v1/functions/aws:1:r:f?from=tomorrow", "from: cannot read time"},
		{"/api/v1/functions/aws:1:r:f/series?step=7m", "step: must be one of 1m, 5m, 15m, 1h, 3h, 6h, 12h, 24h"},
		{"/api/v1/functions/aws:1:r:f/series?step=soon", "step: must be one of"},
		{"/api/v1/functions/aws/series", "want provider:account:region:name"},
		{"/api/v1/functions/aws:1:r:f/series?limit=5", `unknown query parameter "limit"`},
		{"/api/v1/coldstarts?limit=1001", "limit: must be an integer from 1 to 1000"},
		{"/api/v1/coldstarts?sort=cold_starts", `unknown query parameter "sort"`},
		{"/api/v1/costs?month=2026-11-01", `month: want YYYY-MM, got "2026-11-01"`},
		{"/api/v1/costs?month=2026-13", "month: want YYYY-MM"},
		{"/api/v1/costs?month=2026-12", "month: 2026-12 has not started yet"},
		{"/api/v1/costs?month=2026-10&from=7d", "give month or from/to, not both"},
		{"/api/v1/costs?from=2026-10-30T00:00:00Z&to=2026-11-02T00:00:00Z", "span more than one calendar month (UTC): costs are monthly; use month=YYYY-MM"},
		{"/api/v1/costs?from=30d", "span more than one calendar month"},
		{"/api/v1/costs?group_by=team", "group_by: must be one of function, account, provider, region"},
		{"/api/v1/costs?from=soon", "from: cannot read time"},
		{"/api/v1/costs/projection?month=2026-10", "month: only the current month (2026-11) has a projection; use /api/v1/costs?month=2026-10"},
		{"/api/v1/costs/projection?month=2027-01", "has not started yet"},
		{"/api/v1/costs/projection?from=1h", `unknown query parameter "from"`},
	} {
		a := &fakeAnalyzer{}
		rec := get(newTestServer(a, nil), c.path)
		body := decodeError(t, rec)
		if rec.Code != http.StatusBadRequest || body.Error.Code != "bad_request" || !strings.Contains(body.Error.Message, c.want) {
			t.Errorf("%s: %d %+v, want 400 bad_request containing %q", c.path, rec.Code, body, c.want)
		}
		if a.calls != 0 {
			t.Errorf("%s: the analyzer was asked a bad question", c.path)
		}
	}
}

func TestFunctionsPassesFiltersAndPaging(t *testing.T) {
	a := &fakeAnalyzer{}
	mustGet(t, newTestServer(a, nil), "/api/v1/functions?provider=aws&platform=aws_lambda&region=eu-west-1&account=123"+
		"&function=orders-*&version=7&sort=cost_usd&order=asc&limit=20&offset=40&from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z")
	want := analyzer.Filter{Tenant: "default", From: date(2026, 11, 1, 0), To: date(2026, 11, 8, 0), Provider: "aws",
		Platform: "aws_lambda", Region: "eu-west-1", Account: "123", Function: "orders-*", Version: "7"}
	if !sameFilter(a.filter, want) {
		t.Errorf("filter %+v, want %+v", a.filter, want)
	}
	if want := (analyzer.ListOptions{Sort: "cost_usd", Asc: true, Limit: 20, Offset: 40}); a.opts != want {
		t.Errorf("options %+v, want %+v", a.opts, want)
	}
	for query, want := range map[string]analyzer.ListOptions{
		"":                          {Sort: "invocations", Limit: analyzer.DefaultPageSize},
		"?sort=function":            {Sort: "function", Asc: true, Limit: analyzer.DefaultPageSize},
		"?sort=function&order=desc": {Sort: "function", Limit: analyzer.DefaultPageSize},
		"?limit=1000":               {Sort: "invocations", Limit: 1000},
	} {
		mustGet(t, newTestServer(a, nil), "/api/v1/functions"+query)
		if a.opts != want {
			t.Errorf("%q: options %+v, want %+v", query, a.opts, want)
		}
	}
}

func TestFunctionsBody(t *testing.T) {
	s := summary("aws", "1", "us-east-1", "f", 10)
	s.Platform, s.Errors, s.ColdStartRate, s.CostUSD = "aws_lambda", 1, 0.25, 0.5
	a := &fakeAnalyzer{list: analyzer.FunctionList{Total: 7, Functions: []analyzer.FunctionSummary{s}, Truncated: true}}
	rec := mustGet(t, newTestServer(a, nil), "/api/v1/functions?limit=1&offset=2")
	var body struct {
		From, To      time.Time
		Total         int
		Truncated     bool
		Limit, Offset int
		Functions     []map[string]any
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if !body.From.Equal(now.Add(-24*time.Hour)) || !body.To.Equal(now) || body.Total != 7 || !body.Truncated ||
		body.Limit != 1 || body.Offset != 2 || len(body.Functions) != 1 {
		t.Fatalf("body %s", rec.Body.String())
	}
	f := body.Functions[0]
	if f["id"] != "aws:1:us-east-1:f" || f["function"] != "f" || f["account_id"] != "1" || f["cold_start_rate"] != 0.25 || f["cost_usd"] != 0.5 {
		t.Errorf("function %v", f)
	}
	empty := mustGet(t, newTestServer(&fakeAnalyzer{}, nil), "/api/v1/functions")
	if !strings.Contains(empty.Body.String(), `"functions":[]`) {
		t.Errorf("no functions must render as an empty list: %s", empty.Body.String())
	}
}

func TestFunctionDetail(t *testing.T) {
	for id, want := range map[string]analyzer.FunctionKey{
		"aws:123:us-east-1:orders":       {Provider: "aws", AccountID: "123", Region: "us-east-1", FunctionName: "orders"},
		"aws%3A123%3Aus-east-1%3Aorders": {Provider: "aws", AccountID: "123", Region: "us-east-1", FunctionName: "orders"},
		"gcp:proj::a%2Fb%3Ac%2A%3F":      {Provider: "gcp", AccountID: "proj", FunctionName: "a/b:c*?"},
		"azure:::name%20with%20space":    {Provider: "azure", FunctionName: "name with space"},
	} {
		a := &fakeAnalyzer{detail: analyzer.FunctionDetail{FunctionSummary: summary(want.Provider, want.AccountID, want.Region, want.FunctionName, 3)}}
		rec := mustGet(t, newTestServer(a, nil), "/api/v1/functions/"+id+"?from=2h")
		if a.key != want {
			t.Errorf("%s: key %+v, want %+v", id, a.key, want)
		}
		// The function is the path's: the filter carries only tenant and range.
		if wantF := (analyzer.Filter{Tenant: "default", From: now.Add(-2 * time.Hour), To: now}); !sameFilter(a.filter, wantF) {
			t.Errorf("%s: filter %+v, want %+v", id, a.filter, wantF)
		}
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if body["from"] != "2026-11-22T10:00:00Z" || body["invocations"] != 3.0 || body["id"] != want.ID() {
			t.Errorf("%s: body %s", id, rec.Body.String())
		}
		if configs, ok := body["configs"].([]any); !ok || len(configs) != 0 {
			t.Errorf("%s: configs must be an empty list: %s", id, rec.Body.String())
		}
	}
}

func TestFunctionSeriesIsNarrowedToTheFunction(t *testing.T) {
	for _, c := range []struct {
		path string
		want analyzer.Filter
		step time.Duration
	}{
		{"/api/v1/functions/aws:123:us-east-1:orders/series?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&step=1h",
			analyzer.Filter{Tenant: "default", From: date(2026, 11, 21, 0), To: date(2026, 11, 22, 0),
				Provider: "aws", Account: "123", Region: "us-east-1", Function: "orders"}, time.Hour},
		{"/api/v1/functions/aws:1::jobs-%2A%3F/series?step=1d",
			analyzer.Filter{Tenant: "default", From: now.Add(-24 * time.Hour), To: now,
				Provider: "aws", Account: "1", Function: `jobs-\*\?`}, 24 * time.Hour},
		{"/api/v1/functions/aws:1:r:f/series",
			analyzer.Filter{Tenant: "default", From: now.Add(-24 * time.Hour), To: now,
				Provider: "aws", Account: "1", Region: "r", Function: "f"}, 0},
	} {
		a := &fakeAnalyzer{}
		rec := mustGet(t, newTestServer(a, nil), c.path)
		if !sameFilter(a.filter, c.want) || a.step != c.step {
			t.Errorf("%s: filter %+v step %s, want %+v step %s", c.path, a.filter, a.step, c.want, c.step)
		}
		if !strings.Contains(rec.Body.String(), `"points":[]`) {
			t.Errorf("%s: points must be an empty list: %s", c.path, rec.Body.String())
		}
	}
}

func TestColdStarts(t *testing.T) {
	a := &fakeAnalyzer{coldStarts: analyzer.ColdStartReport{Functions: []analyzer.ColdStartFunction{{ID: "aws:1:r:f"}}}}
	rec := mustGet(t, newTestServer(a, nil), "/api/v1/coldstarts?function=api-*&limit=1000&from=2h")
	want := analyzer.Filter{Tenant: "default", From: now.Add(-2 * time.Hour), To: now, Function: "api-*"}
	if !sameFilter(a.filter, want) || a.limit != 1000 {
		t.Errorf("filter %+v limit %d, want %+v limit 1000", a.filter, a.limit, want)
	}
	for _, part := range []string{`"limit":1000`, `"id":"aws:1:r:f"`, `"by_version":[]`, `"by_hour_utc":[]`} {
		if !strings.Contains(rec.Body.String(), part) {
			t.Errorf("body lacks %s: %s", part, rec.Body.String())
		}
	}
	mustGet(t, newTestServer(a, nil), "/api/v1/coldstarts")
	if a.limit != defaultColdStartLimit {
		t.Errorf("default limit %d, want %d", a.limit, defaultColdStartLimit)
	}
}

func TestCostsMonthBounds(t *testing.T) {
	for _, c := range []struct {
		query    string
		from, to time.Time
		group    string
	}{
		{"", date(2026, 11, 1, 0), now, "function"},
		{"?month=2026-11", date(2026, 11, 1, 0), now, "function"},
		{"?month=2026-10&group_by=account", date(2026, 10, 1, 0), date(2026, 11, 1, 0), "account"},
		{"?month=2025-12&group_by=region", date(2025, 12, 1, 0), date(2026, 1, 1, 0), "region"},
		{"?from=2026-10-05T00:00:00Z&to=2026-11-01T00:00:00Z", date(2026, 10, 5, 0), date(2026, 11, 1, 0), "function"},
		{"?from=2026-11-20T00:00:00Z&group_by=provider", date(2026, 11, 20, 0), now, "provider"},
		{"?from=1d", now.Add(-24 * time.Hour), now, "function"},
	} {
		a := &fakeAnalyzer{}
		rec := mustGet(t, newTestServer(a, nil), "/api/v1/costs"+c.query)
		want := analyzer.CostQuery{Filter: analyzer.Filter{Tenant: "default", From: c.from, To: c.to}, GroupBy: c.group}
		if !sameFilter(a.cost.Filter, want.Filter) || a.cost.GroupBy != want.GroupBy {
			t.Errorf("%q: query %+v, want %+v", c.query, a.cost, want)
		}
		if !strings.Contains(rec.Body.String(), `"groups":[]`) {
			t.Errorf("%q: groups must be an empty list: %s", c.query, rec.Body.String())
		}
	}
	a := &fakeAnalyzer{}
	mustGet(t, newTestServer(a, nil), "/api/v1/costs?provider=aws&account=9&region=r&platform=p&function=f&version=v")
	if f := a.cost.Filter; f.Provider != "aws" || f.Account != "9" || f.Region != "r" || f.Platform != "p" || f.Function != "f" || f.Version != "v" {
		t.Errorf("filters not passed: %+v", f)
	}
}

func TestProjection(t *testing.T) {
	for _, query := range []string{"?account=9", "?month=2026-11&account=9"} {
		a := &fakeAnalyzer{projection: analyzer.ProjectionReport{Method: "trend"}}
		rec := mustGet(t, newTestServer(a, nil), "/api/v1/costs/projection"+query)
		want := analyzer.Filter{Tenant: "default", From: date(2026, 11, 1, 0), To: now, Account: "9"}
		if !sameFilter(a.filter, want) || !a.now.Equal(now) {
			t.Errorf("%q: filter %+v now %s, want %+v now %s", query, a.filter, a.now, want, now)
		}
		for _, part := range []string{`"method":"trend"`, `"accounts":[]`, `"functions":[]`} {
			if !strings.Contains(rec.Body.String(), part) {
				t.Errorf("%q: body lacks %s: %s", query, part, rec.Body.String())
			}
		}
	}
}

// allRoutes requests every API route with good parameters.
var allRoutes = []string{
	"/api/v1/functions", "/api/v1/functions/aws:1:r:f", "/api/v1/functions/aws:1:r:f/series",
	"/api/v1/coldstarts", "/api/v1/costs", "/api/v1/costs/projection",
}

func TestAnalyzerErrors(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		code   string
		msg    string
	}{
		{fmt.Errorf("%w: step 1m gives more than 1500 points", analyzer.ErrInvalid), 400, "bad_request", "step 1m gives more than 1500 points"},
		{fmt.Errorf("function aws:1:r:f: %w", analyzer.ErrNotFound), 404, "not_found", "aws:1:r:f: not found"},
		{fmt.Errorf("cannot query: %w", context.DeadlineExceeded), 504, "timeout", "query timed out"},
		{context.Canceled, 499, "canceled", "request canceled"},
		{errors.New("clickhouse exploded"), 500, "internal", "clickhouse exploded"},
	} {
		for _, path := range allRoutes {
			rec := get(newTestServer(&fakeAnalyzer{err: c.err}, nil), path)
			body := decodeError(t, rec)
			if rec.Code != c.status || body.Error.Code != c.code || !strings.Contains(body.Error.Message, c.msg) {
				t.Errorf("%s with %v: %d %+v, want %d %s containing %q", path, c.err, rec.Code, body, c.status, c.code, c.msg)
			}
		}
	}
}

func TestErrorsAreJSON(t *testing.T) {
	for _, c := range []struct {
		h      http.Handler
		path   string
		status int
		code   string
	}{
		{newTestServer(&fakeAnalyzer{}, nil), "/api/v1/nothing", 404, "not_found"},
		{newTestServer(&fakeAnalyzer{}, nil), "/api/v1/functions/aws:1:r:f/other", 404, "not_found"},
		{newTestServer(&fakeAnalyzer{}, func(context.Context) error { return errors.New("down") }), "/readyz", 503, "unavailable"},
	} {
		rec := get(c.h, c.path)
		if body := decodeError(t, rec); rec.Code != c.status || body.Error.Code != c.code {
			t.Errorf("%s: %d %s, want %d with code %s", c.path, rec.Code, rec.Body.String(), c.status, c.code)
		}
	}
	rec := httptest.NewRecorder()
	newTestServer(&fakeAnalyzer{}, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/api/v1/functions", nil))
	if body := decodeError(t, rec); rec.Code != http.StatusMethodNotAllowed || body.Error.Code != "method_not_allowed" {
		t.Errorf("DELETE: %d %s, want 405", rec.Code, rec.Body.String())
	}
}

func TestHealthReadyMetricsOpenAPI(t *testing.T) {
	h := newTestServer(&fakeAnalyzer{}, func(context.Context) error { return nil })
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"} {
		mustGet(t, h, path)
	}
}

func TestEmptySlicesCopies(t *testing.T) {
	in := analyzer.CostReport{Groups: []analyzer.CostGroup{{Key: "a"}}}
	out := emptySlices(in).(analyzer.CostReport)
	if in.Groups[0].Items != nil {
		t.Error("emptySlices changed its input")
	}
	if out.Groups[0].Items == nil || out.Groups[0].Key != "a" {
		t.Errorf("nested nil slice not filled: %+v", out)
	}
	if emptySlices(nil) != nil {
		t.Error("nil must stay nil")
	}
}
