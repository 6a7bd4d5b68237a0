package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"

	"github.com/faascope/faascope/schemas"
)

// Sentinel errors of Authenticate; test with errors.Is. Adapters map them to
// HTTP 401 / 403 and gRPC Unauthenticated / PermissionDenied.
var (
	// ErrUnauthenticated: the header is missing or malformed, or the token is
	// not known.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: the token is valid but lacks the scope the request needs.
	ErrForbidden = errors.New("forbidden")
)

// AnonymousName is the Principal name used when authentication is off.
const AnonymousName = "anonymous"

// Authenticator checks bearer tokens. It keeps only SHA-256 digests of the
// secrets. It is immutable after New and safe for concurrent use; a nil
// *Authenticator behaves as disabled.
type Authenticator struct {
	entries []entry
}

// New validates cfg (see Config.Validate) and builds an Authenticator from it.
func New(cfg Config) (*Authenticator, error) {
	entries, err := cfg.resolve()
	if err != nil {
		return nil, fmt.Errorf("invalid auth configuration: %w", err)
	}
	return &Authenticator{entries: entries}, nil
}

// Enabled reports whether tokens are configured. When false, Authenticate
// lets every request through as tenant schemas.DefaultTenant.
func (a *Authenticator) Enabled() bool { return a != nil && len(a.entries) > 0 }

// Authenticate checks an Authorization header value ("Bearer <token>"; the
// scheme is case-insensitive and surrounding spaces are ignored) and returns
// the token's Principal if it holds need. Errors wrap ErrUnauthenticated or
// ErrForbidden and never contain any part of the header, which might be a
// secret sent without its scheme.
//
// When authentication is off, it returns the anonymous principal of tenant
// schemas.DefaultTenant with every scope, whatever the header says.
func (a *Authenticator) Authenticate(authorization string, need Scope) (Principal, error) {
	if !need.Valid() {
		// A programming error in an adapter; refuse rather than guess.
		return Principal{}, fmt.Errorf("%w: unknown scope %q required", ErrForbidden, need)
	}
	if !a.Enabled() {
		return Principal{Name: AnonymousName, Tenant: schemas.DefaultTenant, Scopes: NewScopeSet(allScopes[:]...)}, nil
	}
	token, err := parseBearer(authorization)
	if err != nil {
		return Principal{}, err
	}
	p, ok := a.lookup(token)
	if !ok {
		return Principal{}, fmt.Errorf("%w: unknown or revoked token", ErrUnauthenticated)
	}
	if !p.Has(need) {
		return Principal{}, fmt.Errorf("%w: token %q lacks scope %q", ErrForbidden, p.Name, need)
	}
	return p, nil
}

// parseBearer extracts the token from "Bearer <token>".
func parseBearer(header string) (string, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return "", fmt.Errorf("%w: missing Authorization header (want \"Bearer <token>\")", ErrUnauthenticated)
	}
	i := strings.IndexAny(header, " \t")
	if i < 0 || !strings.EqualFold(header[:i], "Bearer") {
		return "", fmt.Errorf("%w: Authorization header must use the Bearer scheme", ErrUnauthenticated)
	}
	token := strings.TrimSpace(header[i:])
	if token == "" {
		return "", fmt.Errorf("%w: empty bearer token", ErrUnauthenticated)
	}
	return token, nil
}

// lookup finds the token's principal in constant time with respect to the
// configured secrets: it hashes the presented token once (so comparisons are
// over fixed-size digests, whatever the lengths) and compares it with every
// digest without an early exit, so neither which token matched nor how much
// of a prefix matched shows in the timing. Only the number of configured
// tokens does, which is not secret.
func (a *Authenticator) lookup(token string) (Principal, bool) {
	if len(token) > MaxTokenLen {
		return Principal{}, false // no configured secret is this long
	}
	d := sha256.Sum256([]byte(token))
	match := -1
	for i := range a.entries {
		eq := subtle.ConstantTimeCompare(d[:], a.entries[i].digest[:])
		match = subtle.ConstantTimeSelect(eq, i, match)
	}
	if match < 0 {
		return Principal{}, false
	}
	return a.entries[match].principal, true
}
