package auth

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/faascope/faascope/internal/config"
)

func TestValidateAccepts(t *testing.T) {
	tests := map[string]Config{
		"default":          NewDefaultConfig(),
		"several tokens":   testConfig(),
		"max-length names": {Tokens: []TokenConfig{{Name: strings.Repeat("N", 64), Token: ingestSecret, Scopes: []Scope{ScopeRead}, Tenant: strings.Repeat("t", 64)}}},
		"exactly 16 chars": {Tokens: []TokenConfig{{Name: "a", Token: "0123456789abcdef", Scopes: []Scope{ScopeRead}, Tenant: "a"}}},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			if err := cfg.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

// TestValidateReportsEveryProblem checks that one call reports every
// problem of every token, each under its key, and never a secret.
func TestValidateReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	emptyFile := writeFile(t, dir, "empty", " \n")
	hugeFile := writeFile(t, dir, "huge", strings.Repeat("x", MaxTokenLen+1))
	t.Setenv("FAASCOPE_TEST_EMPTY_TOKEN", "  ")
	const shortSecret = "short-secret"
	cfg := Config{Tokens: []TokenConfig{
		/* 0 */ {Name: "ok", Token: ingestSecret, Scopes: []Scope{ScopeIngest}, Tenant: "acme"},
		/* 1 */ {},
		/* 2 */ {Name: "dup", Token: shortSecret, Scopes: []Scope{ScopeRead, "wrte", "Admin"}, Tenant: "Acme!"},
		/* 3 */ {Name: "dup", Token: ingestSecret, Scopes: []Scope{ScopeRead}, Tenant: strings.Repeat("a", 65)},
		/* 4 */ {Name: "two-sources", Token: readSecret, TokenFile: "/x", Scopes: []Scope{ScopeRead}, Tenant: "acme"},
		/* 5 */ {Name: "no-file", TokenFile: filepath.Join(dir, "missing"), Scopes: []Scope{ScopeRead}, Tenant: "acme"},
		/* 6 */ {Name: "no-env", TokenEnv: "FAASCOPE_TEST_UNSET_TOKEN_VAR", Scopes: []Scope{ScopeRead}, Tenant: "acme"},
		/* 7 */ {Name: "spaces", Token: "has a space 0123456789", Scopes: []Scope{ScopeRead}, Tenant: "acme"},
		/* 8 */ {Name: "empty-file", TokenFile: emptyFile, Scopes: []Scope{ScopeRead}, Tenant: "acme"},
		/* 9 */ {Name: "huge-file", TokenFile: hugeFile, Scopes: []Scope{ScopeRead}, Tenant: "acme"},
		/* 10 */ {Name: "empty-env", TokenEnv: "FAASCOPE_TEST_EMPTY_TOKEN", Scopes: []Scope{ScopeRead}, Tenant: "acme"},
		/* 11 */ {Name: "bad name!", Token: adminSecret, Scopes: []Scope{ScopeAdmin}, Tenant: "acme"},
	}}
	want := []string{
		`auth.tokens[1].name: must not be empty`,
		`auth.tokens[1].tenant: must not be empty`,
		`auth.tokens[1].scopes: at least one of ingest, read, admin is required`,
		`auth.tokens[1]: one of token, token_file or token_env is required`,
		`auth.tokens[2].tenant: must match [a-z0-9_-]{1,64}, got "Acme!"`,
		`auth.tokens[2].scopes: unknown scope "wrte" (want ingest, read or admin)`,
		`auth.tokens[2].scopes: unknown scope "Admin" (want ingest, read or admin)`,
		`auth.tokens[2].token: secret is shorter than 16 characters`,
		`auth.tokens[3].tenant: must match [a-z0-9_-]{1,64}`,
		`auth.tokens[3].name: duplicate name "dup" (also auth.tokens[2])`,
		`auth.tokens[3].token: same secret as auth.tokens[0]`,
		`auth.tokens[4]: set only one of token, token_file or token_env (got token and token_file)`,
		`auth.tokens[5].token_file: cannot read token file: open ` + filepath.Join(dir, "missing"),
		`auth.tokens[6].token_env: environment variable FAASCOPE_TEST_UNSET_TOKEN_VAR is not set`,
		`auth.tokens[7].token: secret must be printable ASCII without spaces`,
		`auth.tokens[8].token_file: token file ` + emptyFile + ` is empty`,
		`auth.tokens[9].token_file: secret is longer than 4096 characters`,
		`auth.tokens[10].token_env: environment variable FAASCOPE_TEST_EMPTY_TOKEN is empty`,
		`auth.tokens[11].name: must match [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, got "bad name!"`,
	}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want every problem")
	}
	lines := strings.Split(err.Error(), "\n")
	for _, w := range want {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, w) }) {
			t.Errorf("missing problem %q", w)
		}
	}
	if len(lines) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(lines), len(want), err)
	}
	for _, secret := range []string{shortSecret, ingestSecret, readSecret, "has a space"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error reveals secret %q:\n%s", secret, err)
		}
	}
}

func TestTokenSources(t *testing.T) {
	dir := t.TempDir()
	const fileSecret = "file-secret-0123456789abcdef"
	const envSecret = "env-secret-0123456789abcdef"
	path := writeFile(t, dir, "token", "\n  "+fileSecret+"\n")
	t.Setenv("FAASCOPE_TEST_TOKEN", envSecret+"\n")
	a := mustNew(t, Config{Tokens: []TokenConfig{
		{Name: "from-file", TokenFile: path, Scopes: []Scope{ScopeIngest}, Tenant: "files"},
		{Name: "from-env", TokenEnv: "FAASCOPE_TEST_TOKEN", Scopes: []Scope{ScopeRead}, Tenant: "envs"},
	}})
	tests := []struct {
		header, wantName, wantTenant string
		need                         Scope
	}{
		{"Bearer " + fileSecret, "from-file", "files", ScopeIngest},
		{"Bearer " + envSecret, "from-env", "envs", ScopeRead},
	}
	for _, tc := range tests {
		p, err := a.Authenticate(tc.header, tc.need)
		if err != nil || p.Name != tc.wantName || p.Tenant != tc.wantTenant {
			t.Errorf("Authenticate(%s) = %+v, %v; want %s in %s", tc.wantName, p, err, tc.wantName, tc.wantTenant)
		}
	}
	// The file and variable names are configuration, not secrets.
	if _, err := a.Authenticate("Bearer "+path, ScopeIngest); err == nil {
		t.Error("the token file path authenticated")
	}
}

// TestLoadYAML checks the documented YAML shape through the project's own
// strict loader, as cmd/faascope will load it.
func TestLoadYAML(t *testing.T) {
	dir := t.TempDir()
	secretPath := writeFile(t, dir, "secret", ingestSecret+"\n")
	yamlPath := writeFile(t, dir, "faascope.yaml", `
auth:
  tokens:
    - name: ci-ingest
      token_file: `+secretPath+`
      scopes: [ingest]
      tenant: acme
    - name: grafana
      token: "`+readSecret+`"
      scopes: [read]
      tenant: acme
`)
	var file struct {
		Auth Config `yaml:"auth"`
	}
	if err := config.LoadFile(yamlPath, &file); err != nil {
		t.Fatal(err)
	}
	a := mustNew(t, file.Auth)
	if p, err := a.Authenticate("Bearer "+ingestSecret, ScopeIngest); err != nil || p.Name != "ci-ingest" {
		t.Errorf("ci-ingest: %+v, %v", p, err)
	}
	if p, err := a.Authenticate("Bearer "+readSecret, ScopeRead); err != nil || p.Name != "grafana" {
		t.Errorf("grafana: %+v, %v", p, err)
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
