package analyzer

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Filter selects the rows a question covers: one tenant, start times in
// [From, To) at second resolution, and optionally one provider, platform,
// region, account, version and a function name or glob ("orders-*").
// Empty fields match everything.
type Filter struct {
	Tenant   string
	From, To time.Time
	Provider string
	Platform string
	Region   string
	Account  string
	Function string // exact name, or a glob where * matches any run and ? one character
	Version  string

	// names, when set, limits rows to these function names (a page of the
	// list): set by the analyzer, never from a request.
	names []string
}

// maxFilterValue bounds every filter value: names on every provider are far shorter.
const maxFilterValue = 256

// Validate rejects filters the queries cannot answer, naming the field.
func (f Filter) Validate() error {
	var errs []error
	if f.Tenant == "" {
		errs = append(errs, errors.New("tenant is required"))
	}
	if !f.To.After(f.From) {
		errs = append(errs, fmt.Errorf("range is empty: from %s is not before to %s",
			f.From.Format(time.RFC3339), f.To.Format(time.RFC3339)))
	}
	for _, v := range []struct{ name, value string }{{"provider", f.Provider}, {"platform", f.Platform},
		{"region", f.Region}, {"account", f.Account}, {"function", f.Function}, {"version", f.Version}} {
		if len(v.value) > maxFilterValue {
			errs = append(errs, fmt.Errorf("%s: longer than %d bytes", v.name, maxFilterValue))
		}
	}
	return errors.Join(errs...)
}

// Resolution is the granularity of ranges: from is rounded down and to up
// to whole minutes, so the edges of any range are read from the minute
// rollup, never by scanning raw rows (a tenant-wide scan of a day
// partition for the seconds at each end cost more than the rest of a
// 30-day list; docs/benchmarks.md).
const Resolution = time.Minute

// Round widens a range to whole minutes, the range every view answers for.
func Round(from, to time.Time) (time.Time, time.Time) {
	return from.UTC().Truncate(Resolution), ceilTo(to.UTC(), Resolution)
}

// truncated returns f with its range widened to whole minutes.
func (f Filter) truncated() Filter {
	f.From, f.To = Round(f.From, f.To)
	return f
}

// ForFunction narrows f to one function, matching its name exactly even
// when it holds glob characters.
func (f Filter) ForFunction(k FunctionKey) Filter {
	f.Provider, f.Account, f.Region, f.Function = k.Provider, k.AccountID, k.Region, ExactName(k.FunctionName)
	return f
}

// hasVersion reports whether the filter needs a column only raw rows and
// function_usage_hour carry.
func (f Filter) hasVersion() bool { return f.Version != "" }

// where renders the filter's identity conditions (not the time range) as SQL
// with ? placeholders, for a table with the usual identity columns.
// Function globs become an anchored regular expression for match(), which
// every ClickHouse release has with the same RE2 syntax.
func (f Filter) where() (string, []any) {
	conds := []string{"tenant = ?"}
	args := []any{f.Tenant}
	add := func(col, v string) {
		if v != "" {
			conds, args = append(conds, col+" = ?"), append(args, v)
		}
	}
	add("provider", f.Provider)
	add("platform", f.Platform)
	add("region", f.Region)
	add("account_id", f.Account)
	add("function_version", f.Version)
	if f.names != nil {
		conds, args = append(conds, "has(?, function_name)"), append(args, f.names)
	}
	switch {
	case f.Function == "":
	case isGlob(f.Function):
		conds, args = append(conds, "match(function_name, ?)"), append(args, globRegexp(f.Function))
	default:
		conds, args = append(conds, "function_name = ?"), append(args, unescapeGlob(f.Function))
	}
	return strings.Join(conds, " AND "), args
}

// globRegexp turns a glob into an anchored RE2 expression.
func globRegexp(glob string) string {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(glob); i++ {
		switch c := glob[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '\\':
			if i+1 < len(glob) {
				i++
			}
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return b.String()
}

// ExactName escapes a function name for Filter.Function so that it matches
// that name only, even when it contains glob characters.
func ExactName(name string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`)
	return r.Replace(name)
}

// unescapeGlob reverses ExactName for names without glob characters.
func unescapeGlob(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isGlob reports whether a function filter has glob characters (escaped
// ones included: globRegexp reads the escapes).
func isGlob(s string) bool { return strings.ContainsAny(s, "*?") }
