package auth

import (
	"fmt"
	"testing"
)

// Test secrets: long enough to pass Validate, distinct, easy to grep for.
const (
	ingestSecret = "ingest-secret-0123456789abcdef"
	readSecret   = "read-secret-0123456789abcdef"
	adminSecret  = "admin-secret-0123456789abcdef"
	bothSecret   = "both-secret-0123456789abcdef"
)

func testConfig() Config {
	return Config{Tokens: []TokenConfig{
		{Name: "ci-ingest", Token: ingestSecret, Scopes: []Scope{ScopeIngest}, Tenant: "acme"},
		{Name: "dash-read", Token: readSecret, Scopes: []Scope{ScopeRead}, Tenant: "acme"},
		{Name: "ops-admin", Token: adminSecret, Scopes: []Scope{ScopeAdmin}, Tenant: "globex"},
		{Name: "all", Token: bothSecret, Scopes: []Scope{ScopeAdmin, ScopeIngest}, Tenant: "t_1-x"},
	}}
}

func mustNew(t testing.TB, cfg Config) *Authenticator {
	t.Helper()
	a, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

// manyTokens returns n valid ingest tokens and their secrets.
func manyTokens(n int) (Config, []string) {
	var cfg Config
	secrets := make([]string, n)
	for i := range n {
		secrets[i] = fmt.Sprintf("bench-secret-%04d-0123456789abcdef", i)
		cfg.Tokens = append(cfg.Tokens, TokenConfig{
			Name: fmt.Sprintf("tok-%d", i), Token: secrets[i], Scopes: []Scope{ScopeIngest}, Tenant: "acme",
		})
	}
	return cfg, secrets
}
