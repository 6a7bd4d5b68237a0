package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/analyzer"
)

// lister answers with fixed functions and records the filter it was given.
type lister struct {
	got  analyzer.FunctionFilter
	list analyzer.FunctionList
	err  error
}

func (l *lister) Functions(_ context.Context, f analyzer.FunctionFilter) (analyzer.FunctionList, error) {
	l.got = f
	return l.list, l.err
}

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func newTestServer(l *lister, ready func(context.Context) error) http.Handler {
	return New(NewDefaultConfig(), Deps{
		Functions: l, Ready: ready, Gatherer: prometheus.NewRegistry(), Now: func() time.Time { return now },
	}).Handler()
}

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

type errorBody struct {
	Error struct{ Code, Message string } `json:"error"`
}

func TestFunctionsRangeParsing(t *testing.T) {
	cases := []struct {
		query    string
		from, to time.Time
	}{
		{"", now.Add(-24 * time.Hour), now},
		{"?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)},
		{"?from=2026-11-01T01:00:00%2B01:00", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), now},
		{"?from=1793836800&to=1793840400", time.Unix(1793836800, 0).UTC(), time.Unix(1793840400, 0).UTC()},
		{"?from=7d", now.Add(-7 * 24 * time.Hour), now},
		{"?from=90m&to=30m", now.Add(-90 * time.Minute), now.Add(-30 * time.Minute)},
	}
	for _, c := range cases {
		l := &lister{}
		rec := get(newTestServer(l, nil), "/api/v1/functions"+c.query)
		if rec.Code != http.StatusOK {
			t.Errorf("%q: status %d %s", c.query, rec.Code, rec.Body.String())
			continue
		}
		if !l.got.From.Equal(c.from) || !l.got.To.Equal(c.to) || l.got.Tenant != "default" {
			t.Errorf("%q: filter %+v, want from %s to %s", c.query, l.got, c.from, c.to)
		}
	}
}

func TestFunctionsBadRequests(t *testing.T) {
	for query, want := range map[string]string{
		"?from=yesterday":        "from: cannot read time",
		"?to=2026-13-01":         "to: cannot read time",
		"?from=1h&to=2h":         "from must be before to",
		"?from=2000d":            "range longer than the maximum",
		"?from=0&to=99999999999": "range longer",
		"?from=-5&to=1":          "between 1970",
	} {
		rec := get(newTestServer(&lister{}, nil), "/api/v1/functions"+query)
		var body errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%q: not JSON: %s", query, rec.Body.String())
		}
		if rec.Code != http.StatusBadRequest || body.Error.Code != "bad_request" || !strings.Contains(body.Error.Message, want) {
			t.Errorf("%q: %d %+v, want 400 bad_request containing %q", query, rec.Code, body, want)
		}
	}
}

func TestFunctionsBody(t *testing.T) {
	l := &lister{list: analyzer.FunctionList{Functions: []analyzer.FunctionSummary{{
		FunctionKey: analyzer.FunctionKey{Provider: "aws", Region: "us-east-1", AccountID: "1", FunctionName: "f"},
		Platform:    "aws_lambda", Invocations: 10, Errors: 1, Timeouts: 2, Throttles: 3, ColdStarts: 4,
	}}}}
	rec := get(newTestServer(l, nil), "/api/v1/functions")
	want := `{"from":"2026-11-21T12:00:00Z","to":"2026-11-22T12:00:00Z","functions":[{"provider":"aws","region":"us-east-1",` +
		`"account_id":"1","function":"f","platform":"aws_lambda","invocations":10,"errors":1,"timeouts":2,"throttles":3,` +
		`"cold_starts":4}],"truncated":false}`
	if got := rec.Body.String(); got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
	empty := get(newTestServer(&lister{}, nil), "/api/v1/functions")
	if !strings.Contains(empty.Body.String(), `"functions":[]`) {
		t.Errorf("no functions must render as an empty list: %s", empty.Body.String())
	}
}

func TestErrorsAreJSON(t *testing.T) {
	failing := &lister{err: errors.New("clickhouse exploded")}
	timeout := &lister{err: context.DeadlineExceeded}
	cases := []struct {
		h      http.Handler
		path   string
		status int
		code   string
	}{
		{newTestServer(failing, nil), "/api/v1/functions", 500, "internal"},
		{newTestServer(timeout, nil), "/api/v1/functions", 504, "timeout"},
		{newTestServer(&lister{}, nil), "/api/v1/nothing", 404, "not_found"},
		{newTestServer(&lister{}, func(context.Context) error { return errors.New("down") }), "/readyz", 503, "unavailable"},
	}
	for _, c := range cases {
		rec := get(c.h, c.path)
		var body errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != c.status || body.Error.Code != c.code || body.Error.Message == "" {
			t.Errorf("%s: %d %s, want %d with code %s", c.path, rec.Code, rec.Body.String(), c.status, c.code)
		}
	}
	rec := httptest.NewRecorder()
	newTestServer(&lister{}, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/api/v1/functions", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d, want 405", rec.Code)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	h := newTestServer(&lister{}, func(context.Context) error { return nil })
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if rec := get(h, path); rec.Code != http.StatusOK {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
}
