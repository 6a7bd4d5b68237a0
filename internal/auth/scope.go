package auth

import (
	"encoding/json"
	"slices"
	"strings"
)

// Scope is a permission a token grants.
type Scope string

// The scopes a token may hold.
const (
	ScopeIngest Scope = "ingest" // send telemetry
	ScopeRead   Scope = "read"   // query the API and UI
	ScopeAdmin  Scope = "admin"  // operate faascope; implies read, not ingest
)

// allScopes is the canonical order; an array so no caller can change it.
var allScopes = [...]Scope{ScopeIngest, ScopeRead, ScopeAdmin}

// AllScopes lists every scope in canonical order (a fresh slice).
func AllScopes() []Scope { return slices.Clone(allScopes[:]) }

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s.bit() != 0 }

func (s Scope) bit() ScopeSet {
	switch s {
	case ScopeIngest:
		return 1 << 0
	case ScopeRead:
		return 1 << 1
	case ScopeAdmin:
		return 1 << 2
	}
	return 0
}

// ScopeSet is an immutable set of effective scopes. It is a value so that a
// Principal can be copied freely without sharing a mutable slice.
type ScopeSet uint8

// NewScopeSet returns the effective set for the granted scopes: admin adds
// read. Unknown scopes are ignored (Validate has already rejected them).
func NewScopeSet(granted ...Scope) ScopeSet {
	var set ScopeSet
	for _, s := range granted {
		set |= s.bit()
	}
	if set&ScopeAdmin.bit() != 0 {
		set |= ScopeRead.bit()
	}
	return set
}

// Has reports whether s is in the set. An unknown scope is never held.
func (set ScopeSet) Has(s Scope) bool {
	b := s.bit()
	return b != 0 && set&b == b
}

// List returns the scopes in canonical order.
func (set ScopeSet) List() []Scope {
	out := []Scope{}
	for _, s := range allScopes {
		if set.Has(s) {
			out = append(out, s)
		}
	}
	return out
}

// String is the comma-separated list, e.g. "read,admin".
func (set ScopeSet) String() string {
	parts := make([]string, 0, len(allScopes))
	for _, s := range set.List() {
		parts = append(parts, string(s))
	}
	return strings.Join(parts, ",")
}

// MarshalJSON renders the set as a list, e.g. ["read","admin"], for APIs
// that show the caller who they are.
func (set ScopeSet) MarshalJSON() ([]byte, error) { return json.Marshal(set.List()) }

// Principal is who made a request: the token's name (never its secret), the
// tenant every read and write of the request is confined to, and the
// effective scopes.
type Principal struct {
	Name   string
	Tenant string
	Scopes ScopeSet
}

// Has reports whether the principal holds s (admin implies read).
func (p Principal) Has(s Scope) bool { return p.Scopes.Has(s) }
