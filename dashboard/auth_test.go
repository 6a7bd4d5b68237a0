package dashboard

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/internal/auth"
)

func TestAPINeedsAReadTokenAndSeesOnlyItsTenant(t *testing.T) {
	a, err := auth.New(auth.Config{Tokens: []auth.TokenConfig{
		{Name: "grafana", Token: "read-token-0123456789abcdef", Scopes: []auth.Scope{auth.ScopeRead}, Tenant: "acme"},
		{Name: "exporters", Token: "ingest-token-0123456789abcdef", Scopes: []auth.Scope{auth.ScopeIngest}, Tenant: "acme"},
		{Name: "other", Token: "other-token-0123456789abcdef", Scopes: []auth.Scope{auth.ScopeAdmin}, Tenant: "globex"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	l := &lister{}
	h := New(NewDefaultConfig(), Deps{Functions: l, Gatherer: prometheus.NewRegistry(), Auth: a}).Handler()
	call := func(path, token string) int {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, c := range []struct {
		name, path, token string
		status            int
	}{
		{"no token", "/api/v1/functions", "", http.StatusUnauthorized},
		{"ingest-only token", "/api/v1/functions", "ingest-token-0123456789abcdef", http.StatusForbidden},
		{"metrics without token", "/metrics", "", http.StatusUnauthorized},
		{"health needs nothing", "/healthz", "", http.StatusOK},
		{"read token", "/api/v1/functions", "read-token-0123456789abcdef", http.StatusOK},
	} {
		if got := call(c.path, c.token); got != c.status {
			t.Errorf("%s: %d, want %d", c.name, got, c.status)
		}
	}
	if l.got.Tenant != "acme" {
		t.Errorf("query tenant %q, want the read token's tenant acme", l.got.Tenant)
	}
	if call("/api/v1/functions", "other-token-0123456789abcdef"); l.got.Tenant != "globex" {
		t.Errorf("admin token of globex queried tenant %q", l.got.Tenant)
	}
}
