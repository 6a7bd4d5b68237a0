package dashboard

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/keepwarm"
)

// fakeAnalyzer answers with fixed results (or err) and records what it was
// asked last. functions, when set, answers Functions instead of list.
type fakeAnalyzer struct {
	mu    sync.Mutex // guards every field: the metrics refresh calls from its own goroutine
	calls int

	filter analyzer.Filter
	opts   analyzer.ListOptions
	key    analyzer.FunctionKey
	step   time.Duration
	limit  int
	cost   analyzer.CostQuery
	now    time.Time

	list       analyzer.FunctionList
	functions  func(analyzer.Filter, analyzer.ListOptions) (analyzer.FunctionList, error)
	detail     analyzer.FunctionDetail
	series     analyzer.Series
	coldStarts analyzer.ColdStartReport
	costs      analyzer.CostReport
	projection analyzer.ProjectionReport
	recs       []analyzer.FunctionRecommendation
	action     string
	replayed   []keepwarm.PolicyResult
	window     [2]time.Duration
	err        error
}

// record notes a call; it returns the unlock the caller defers.
func (a *fakeAnalyzer) record(f analyzer.Filter) func() {
	a.mu.Lock()
	a.calls++
	a.filter = f
	return a.mu.Unlock
}

func (a *fakeAnalyzer) Functions(_ context.Context, f analyzer.Filter, o analyzer.ListOptions) (analyzer.FunctionList, error) {
	defer a.record(f)()
	a.opts = o
	if a.functions != nil {
		return a.functions(f, o)
	}
	return a.list, a.err
}

func (a *fakeAnalyzer) Function(_ context.Context, f analyzer.Filter, k analyzer.FunctionKey) (analyzer.FunctionDetail, error) {
	defer a.record(f)()
	a.key = k
	return a.detail, a.err
}

func (a *fakeAnalyzer) Series(_ context.Context, f analyzer.Filter, step time.Duration) (analyzer.Series, error) {
	defer a.record(f)()
	a.step = step
	return a.series, a.err
}

func (a *fakeAnalyzer) ColdStarts(_ context.Context, f analyzer.Filter, limit int) (analyzer.ColdStartReport, error) {
	defer a.record(f)()
	a.limit = limit
	return a.coldStarts, a.err
}

func (a *fakeAnalyzer) Costs(_ context.Context, q analyzer.CostQuery) (analyzer.CostReport, error) {
	defer a.record(q.Filter)()
	a.cost = q
	return a.costs, a.err
}

func (a *fakeAnalyzer) Projection(_ context.Context, f analyzer.Filter, now time.Time) (analyzer.ProjectionReport, error) {
	defer a.record(f)()
	a.now = now
	return a.projection, a.err
}

func (a *fakeAnalyzer) Recommendations(_ context.Context, f analyzer.Filter, action string, limit int, now time.Time) ([]analyzer.FunctionRecommendation, error) {
	defer a.record(f)()
	a.action, a.limit, a.now = action, limit, now
	return a.recs, a.err
}

func (a *fakeAnalyzer) Replay(_ context.Context, tenant string, k analyzer.FunctionKey, now time.Time, window, train time.Duration, _ keepwarm.Params) ([]keepwarm.PolicyResult, keepwarm.Recommendation, error) {
	defer a.record(analyzer.Filter{Tenant: tenant})()
	a.key, a.now, a.window = k, now, [2]time.Duration{window, train}
	return a.replayed, keepwarm.Recommendation{}, a.err
}

var (
	_ Analyzer = (*fakeAnalyzer)(nil)
	_ Analyzer = (*analyzer.Reader)(nil) // what serve wires in
)

// now is the test clock: mid-month, so month bounds are visible.
var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func newTestServer(a *fakeAnalyzer, ready func(context.Context) error) http.Handler {
	return New(NewDefaultConfig(), Deps{
		Analyzer: a, Ready: ready, Gatherer: prometheus.NewRegistry(), Now: func() time.Time { return now },
	}).Handler()
}

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// mustGet requests path and requires 200.
func mustGet(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := get(h, path)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d %s", path, rec.Code, rec.Body.String())
	}
	return rec
}

type errorBody struct {
	Error struct{ Code, Message string } `json:"error"`
}

// decodeError reads an error answer, failing the test when it is not one.
func decodeError(t *testing.T, rec *httptest.ResponseRecorder) errorBody {
	t.Helper()
	var body errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("not an error body (%v): %d %s", err, rec.Code, rec.Body.String())
	}
	return body
}

// sameFilter compares filters, times by instant.
func sameFilter(a, b analyzer.Filter) bool {
	if !a.From.Equal(b.From) || !a.To.Equal(b.To) {
		return false
	}
	a.From, a.To, b.From, b.To = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

func date(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }

func summary(provider, account, region, name string, invocations uint64) analyzer.FunctionSummary {
	k := analyzer.FunctionKey{Provider: provider, AccountID: account, Region: region, FunctionName: name}
	return analyzer.FunctionSummary{ID: k.ID(), FunctionKey: k, Counts: analyzer.Counts{Invocations: invocations}}
}
