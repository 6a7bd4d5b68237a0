package auth

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/faascope/faascope/schemas"
)

func TestAuthenticate(t *testing.T) {
	a := mustNew(t, testConfig())
	if !a.Enabled() {
		t.Fatal("Enabled() = false with tokens configured")
	}
	tests := []struct {
		name       string
		header     string
		need       Scope
		wantErr    error
		wantName   string
		wantTenant string
	}{
		{"ingest token for ingest", "Bearer " + ingestSecret, ScopeIngest, nil, "ci-ingest", "acme"},
		{"read token for read", "Bearer " + readSecret, ScopeRead, nil, "dash-read", "acme"},
		{"admin token for admin", "Bearer " + adminSecret, ScopeAdmin, nil, "ops-admin", "globex"},
		{"admin implies read", "Bearer " + adminSecret, ScopeRead, nil, "ops-admin", "globex"},
		{"admin plus ingest", "Bearer " + bothSecret, ScopeIngest, nil, "all", "t_1-x"},
		{"lower-case scheme", "bearer " + ingestSecret, ScopeIngest, nil, "ci-ingest", "acme"},
		{"upper-case scheme and spaces", "  BEARER   " + ingestSecret + "  ", ScopeIngest, nil, "ci-ingest", "acme"},
		{"tab separator", "Bearer\t" + readSecret, ScopeRead, nil, "dash-read", "acme"},

		{"admin does not imply ingest", "Bearer " + adminSecret, ScopeIngest, ErrForbidden, "", ""},
		{"read token asking for ingest", "Bearer " + readSecret, ScopeIngest, ErrForbidden, "", ""},
		{"read token asking for admin", "Bearer " + readSecret, ScopeAdmin, ErrForbidden, "", ""},
		{"ingest token asking for read", "Bearer " + ingestSecret, ScopeRead, ErrForbidden, "", ""},
		{"unknown required scope", "Bearer " + adminSecret, Scope("write"), ErrForbidden, "", ""},

		{"wrong token", "Bearer wrong-secret-0123456789abcdef", ScopeIngest, ErrUnauthenticated, "", ""},
		{"prefix of a token", "Bearer " + ingestSecret[:20], ScopeIngest, ErrUnauthenticated, "", ""},
		{"token plus a character", "Bearer " + ingestSecret + "x", ScopeIngest, ErrUnauthenticated, "", ""},
		{"token too long to exist", "Bearer " + strings.Repeat("a", MaxTokenLen+1), ScopeIngest, ErrUnauthenticated, "", ""},
		{"missing header", "", ScopeIngest, ErrUnauthenticated, "", ""},
		{"blank header", "   ", ScopeIngest, ErrUnauthenticated, "", ""},
		{"scheme only", "Bearer", ScopeIngest, ErrUnauthenticated, "", ""},
		{"scheme and spaces", "Bearer    ", ScopeIngest, ErrUnauthenticated, "", ""},
		{"basic scheme", "Basic " + ingestSecret, ScopeIngest, ErrUnauthenticated, "", ""},
		{"secret without scheme", ingestSecret, ScopeIngest, ErrUnauthenticated, "", ""},
		{"scheme glued to token", "Bearer" + ingestSecret, ScopeIngest, ErrUnauthenticated, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := a.Authenticate(tc.header, tc.need)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if p != (Principal{}) {
					t.Errorf("principal = %+v on error, want zero", p)
				}
				assertNoSecret(t, err.Error())
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if p.Name != tc.wantName || p.Tenant != tc.wantTenant {
				t.Errorf("principal = %+v, want name %q tenant %q", p, tc.wantName, tc.wantTenant)
			}
			if !p.Has(tc.need) {
				t.Errorf("principal %+v lacks the scope it was granted for: %s", p, tc.need)
			}
		})
	}
}

// assertNoSecret fails if s contains any configured secret or a telling part of one.
func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{ingestSecret, readSecret, adminSecret, bothSecret} {
		if strings.Contains(s, secret[:12]) {
			t.Errorf("%q reveals a secret", s)
		}
	}
}

func TestAuthenticateForbiddenNamesTokenAndScope(t *testing.T) {
	a := mustNew(t, testConfig())
	_, err := a.Authenticate("Bearer "+readSecret, ScopeIngest)
	if err == nil || !strings.Contains(err.Error(), `"dash-read"`) || !strings.Contains(err.Error(), `"ingest"`) {
		t.Fatalf("err = %v, want it to name the token and the missing scope", err)
	}
}

func TestAuthenticateDisabled(t *testing.T) {
	enabledEmpty := mustNew(t, NewDefaultConfig())
	for name, a := range map[string]*Authenticator{"no tokens": enabledEmpty, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			if a.Enabled() {
				t.Fatal("Enabled() = true without tokens")
			}
			for _, header := range []string{"", "Bearer whatever", "garbage"} {
				for _, need := range AllScopes() {
					p, err := a.Authenticate(header, need)
					if err != nil {
						t.Fatalf("Authenticate(%q, %s): %v", header, need, err)
					}
					if p.Tenant != schemas.DefaultTenant || p.Name != AnonymousName {
						t.Errorf("principal = %+v, want anonymous in tenant %q", p, schemas.DefaultTenant)
					}
					for _, s := range AllScopes() {
						if !p.Has(s) {
							t.Errorf("disabled principal lacks %s", s)
						}
					}
				}
			}
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	cfg := testConfig()
	cfg.Tokens[1].Tenant = ""
	a, err := New(cfg)
	if err == nil || a != nil {
		t.Fatalf("New = %v, %v; want an error", a, err)
	}
	if !strings.Contains(err.Error(), "auth.tokens[1].tenant") {
		t.Errorf("err = %v, want the key auth.tokens[1].tenant", err)
	}
}

// TestAuthenticateConcurrent lets the race detector check that an
// Authenticator is safe to share between request goroutines.
func TestAuthenticateConcurrent(t *testing.T) {
	a := mustNew(t, testConfig())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 200 {
				secret := []string{ingestSecret, readSecret}[i%2]
				need := []Scope{ScopeIngest, ScopeRead}[i%2]
				if _, err := a.Authenticate("Bearer "+secret, need); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestScopeSet(t *testing.T) {
	tests := []struct {
		granted []Scope
		want    string
	}{
		{nil, ""},
		{[]Scope{ScopeIngest}, "ingest"},
		{[]Scope{ScopeRead}, "read"},
		{[]Scope{ScopeAdmin}, "read,admin"},
		{[]Scope{ScopeAdmin, ScopeIngest, ScopeAdmin}, "ingest,read,admin"},
		{[]Scope{"bogus", ScopeRead}, "read"},
	}
	for _, tc := range tests {
		set := NewScopeSet(tc.granted...)
		if got := set.String(); got != tc.want {
			t.Errorf("NewScopeSet(%v) = %q, want %q", tc.granted, got, tc.want)
		}
		if set.Has("bogus") || set.Has("") {
			t.Errorf("NewScopeSet(%v) holds an unknown scope", tc.granted)
		}
		js, err := json.Marshal(set)
		if wantJS := `["` + strings.ReplaceAll(tc.want, ",", `","`) + `"]`; err != nil || (tc.want != "" && string(js) != wantJS) || (tc.want == "" && string(js) != "[]") {
			t.Errorf("json of %v = %s, %v", tc.granted, js, err)
		}
	}
}
