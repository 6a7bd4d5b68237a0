package auth

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// redacted replaces a secret wherever a TokenConfig is shown.
const redacted = "[REDACTED]"

// redactedToken is the printable form of a TokenConfig.
type redactedToken struct {
	Name      string  `json:"name" yaml:"name"`
	Token     string  `json:"token,omitempty" yaml:"token,omitempty"`
	TokenFile string  `json:"token_file,omitempty" yaml:"token_file,omitempty"`
	TokenEnv  string  `json:"token_env,omitempty" yaml:"token_env,omitempty"`
	Scopes    []Scope `json:"scopes" yaml:"scopes"`
	Tenant    string  `json:"tenant" yaml:"tenant"`
}

func (t TokenConfig) redacted() redactedToken {
	r := redactedToken{Name: t.Name, TokenFile: t.TokenFile, TokenEnv: t.TokenEnv, Scopes: t.Scopes, Tenant: t.Tenant}
	if t.Token != "" {
		r.Token = redacted
	}
	return r
}

// String shows the token without its secret; the file path and variable
// name are shown because they are not secret and help debugging.
func (t TokenConfig) String() string {
	r := t.redacted()
	return fmt.Sprintf("{name:%s token:%s token_file:%s token_env:%s scopes:%v tenant:%s}",
		r.Name, r.Token, r.TokenFile, r.TokenEnv, r.Scopes, r.Tenant)
}

// GoString is the %#v form, also redacted.
func (t TokenConfig) GoString() string {
	r := t.redacted()
	return fmt.Sprintf("auth.TokenConfig{Name:%q, Token:%q, TokenFile:%q, TokenEnv:%q, Scopes:%#v, Tenant:%q}",
		r.Name, r.Token, r.TokenFile, r.TokenEnv, r.Scopes, r.Tenant)
}

// Format makes every verb redact. Without it, verbs that ignore String
// (%d, %t, ...) would print the struct fields, secret included.
func (t TokenConfig) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, t.GoString())
		return
	}
	fmt.Fprint(f, t.String())
}

// LogValue is the slog form.
func (t TokenConfig) LogValue() slog.Value {
	r := t.redacted()
	attrs := []slog.Attr{slog.String("name", r.Name), slog.String("tenant", r.Tenant), slog.Any("scopes", r.Scopes)}
	switch {
	case r.Token != "":
		attrs = append(attrs, slog.String("token", r.Token))
	case r.TokenFile != "":
		attrs = append(attrs, slog.String("token_file", r.TokenFile))
	case r.TokenEnv != "":
		attrs = append(attrs, slog.String("token_env", r.TokenEnv))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON redacts, so that a JSON log handler or a config dump cannot
// leak the secret.
func (t TokenConfig) MarshalJSON() ([]byte, error) { return json.Marshal(t.redacted()) }

// MarshalYAML redacts for the same reason (e.g. printing the effective
// configuration). A dumped config therefore cannot be loaded back as is.
func (t TokenConfig) MarshalYAML() (any, error) { return t.redacted(), nil }

var (
	_ fmt.Stringer   = TokenConfig{}
	_ fmt.GoStringer = TokenConfig{}
	_ fmt.Formatter  = TokenConfig{}
	_ slog.LogValuer = TokenConfig{}
	_ json.Marshaler = TokenConfig{}
)
