package dashboard

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/internal/auth"
)

const (
	acmeToken   = "read-token-0123456789abcdef"
	ingestToken = "ingest-token-0123456789abcdef"
	globexToken = "other-token-0123456789abcdef"
)

// newAuthServer serves with tokens of two tenants and function gauges for both.
func newAuthServer(t *testing.T, a *fakeAnalyzer) *Server {
	t.Helper()
	au, err := auth.New(auth.Config{Tokens: []auth.TokenConfig{
		{Name: "grafana", Token: acmeToken, Scopes: []auth.Scope{auth.ScopeRead}, Tenant: "acme"},
		{Name: "exporters", Token: ingestToken, Scopes: []auth.Scope{auth.ScopeIngest}, Tenant: "acme"},
		{Name: "other", Token: globexToken, Scopes: []auth.Scope{auth.ScopeAdmin}, Tenant: "globex"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := NewDefaultConfig()
	cfg.FunctionMetrics.Tenants = []string{"acme", "globex"}
	return New(cfg, Deps{Analyzer: a, Gatherer: prometheus.NewRegistry(), Auth: au, Now: func() time.Time { return now }})
}

func call(h http.Handler, path, token string) *httptest.ResponseRecorder {
	return callMethod(h, http.MethodGet, path, token)
}

func callMethod(h http.Handler, method, path, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestAPINeedsAReadToken(t *testing.T) {
	h := newAuthServer(t, &fakeAnalyzer{}).Handler()
	for _, c := range []struct {
		name, path, token string
		status            int
	}{
		{"no token", "/api/v1/functions", "", http.StatusUnauthorized},
		{"ingest-only token", "/api/v1/costs", ingestToken, http.StatusForbidden},
		{"metrics without token", "/metrics", "", http.StatusUnauthorized},
		{"health needs nothing", "/healthz", "", http.StatusOK},
		{"the API description needs nothing", "/api/v1/openapi.json", "", http.StatusOK},
		{"read token", "/api/v1/functions", acmeToken, http.StatusOK},
	} {
		if got := call(h, c.path, c.token).Code; got != c.status {
			t.Errorf("%s: %d, want %d", c.name, got, c.status)
		}
	}
}

func TestEveryRouteQueriesTheTokensTenant(t *testing.T) {
	a := &fakeAnalyzer{}
	h := newAuthServer(t, a).Handler()
	for _, path := range allRoutes {
		for token, tenant := range map[string]string{acmeToken: "acme", globexToken: "globex"} {
			// A tenant in the query string is an unknown parameter, never a way out.
			if rec := call(h, path+"?tenant=globex", token); rec.Code != http.StatusBadRequest {
				t.Errorf("%s?tenant=: %d, want 400", path, rec.Code)
			}
			if rec := call(h, path, token); rec.Code != http.StatusOK || a.filter.Tenant != tenant {
				t.Errorf("%s as %s: %d, queried tenant %q", path, tenant, rec.Code, a.filter.Tenant)
			}
		}
	}
}

func TestMetricsShowOnlyTheCallersTenant(t *testing.T) {
	a := &fakeAnalyzer{functions: func(f analyzer.Filter, _ analyzer.ListOptions) (analyzer.FunctionList, error) {
		return analyzer.FunctionList{Functions: []analyzer.FunctionSummary{summary("aws", "1", "r", f.Tenant+"-fn", 5)}}, nil
	}}
	s := newAuthServer(t, a)
	s.fnMetrics.refresh(t.Context())
	h := s.Handler()
	for token, c := range map[string]struct{ own, other string }{
		acmeToken:   {`function="acme-fn"`, "globex"},
		globexToken: {`function="globex-fn"`, "acme"},
	} {
		body := call(h, "/metrics", token).Body.String()
		if !strings.Contains(body, c.own) || strings.Contains(body, c.other) {
			t.Errorf("a reader must see its own functions (%s) and nothing of %s:\n%s", c.own, c.other, body)
		}
		if !strings.Contains(body, "faascope_function_metrics_refresh_errors_total 0") {
			t.Errorf("self metrics without a tenant must stay visible:\n%s", body)
		}
	}
}
