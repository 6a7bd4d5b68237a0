package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestTokenConfigRedacts(t *testing.T) {
	tok := TokenConfig{Name: "ci-ingest", Token: ingestSecret, Scopes: []Scope{ScopeIngest}, Tenant: "acme"}
	cfg := Config{Tokens: []TokenConfig{tok, {Name: "from-file", TokenFile: "/run/secrets/faascope", Scopes: []Scope{ScopeRead}, Tenant: "acme"}}}
	outputs := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%t", "%10.3v"} {
		outputs["fmt "+verb+" token"] = fmt.Sprintf(verb, tok)
		outputs["fmt "+verb+" pointer"] = fmt.Sprintf(verb, &tok)
		outputs["fmt "+verb+" config"] = fmt.Sprintf(verb, cfg)
	}
	outputs["fmt Sprint"] = fmt.Sprint(tok, cfg)
	outputs["fmt Sprintln"] = fmt.Sprintln(tok, &cfg)
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		log := slog.New(h(&buf))
		log.Info("token", "token", tok, "ptr", &tok, "config", cfg, "tokens", cfg.Tokens)
		outputs["slog "+name] = buf.String()
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs["json"] = string(js)
	y, err := tok.MarshalYAML()
	if err != nil {
		t.Fatal(err)
	}
	outputs["yaml value"] = fmt.Sprintf("%#v", y)

	for name, out := range outputs {
		if strings.Contains(out, ingestSecret) || strings.Contains(out, fmt.Sprintf("%x", ingestSecret)) {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
		if !strings.Contains(out, "ci-ingest") && !strings.Contains(out, fmt.Sprintf("%x", "ci-ingest")) {
			t.Errorf("%s lost the token name: %s", name, out)
		}
	}
	for _, name := range []string{"fmt %v config", "fmt %+v config", "slog text", "slog json", "json"} {
		out := outputs[name]
		if !strings.Contains(out, redacted) || !strings.Contains(out, "/run/secrets/faascope") {
			t.Errorf("%s should show %s and the token file path: %s", name, redacted, out)
		}
	}
}

// TestTokenConfigStringForms pins the human-readable forms.
func TestTokenConfigStringForms(t *testing.T) {
	tok := TokenConfig{Name: "n", TokenEnv: "VAR", Scopes: []Scope{ScopeRead}, Tenant: "t"}
	tests := []struct{ verb, want string }{
		{"%v", "{name:n token: token_file: token_env:VAR scopes:[read] tenant:t}"},
		{"%#v", `auth.TokenConfig{Name:"n", Token:"", TokenFile:"", TokenEnv:"VAR", Scopes:[]auth.Scope{"read"}, Tenant:"t"}`},
	}
	for _, tc := range tests {
		if got := fmt.Sprintf(tc.verb, tok); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.verb, got, tc.want)
		}
	}
}
