package dashboard

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/schemas"
)

// parseTime reads an API time: RFC 3339, unix seconds, or a duration before
// now ("24h", "90m", "7d"). Empty returns def.
func parseTime(s string, now time.Time, def time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(secs, 0).UTC(), nil
	}
	if d, err := parseRelative(s); err == nil {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("cannot read time %q: use RFC 3339 (2026-11-01T00:00:00Z), unix seconds, or a duration back from now (24h, 7d)", s)
}

// parseRelative is time.ParseDuration plus a "d" (24 h) unit.
func parseRelative(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad day count %q", s)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	return d, nil
}

// checkInDateTime rejects times a ClickHouse DateTime cannot hold.
func checkInDateTime(ts ...time.Time) error {
	for _, t := range ts {
		if !schemas.InDateTimeRange(t) {
			return badRequest("times must lie between 1970-01-01 and 2106-02-07")
		}
	}
	return nil
}

// monthStart is the first instant of t's UTC calendar month, as the
// reports define it.
var monthStart = analyzer.MonthStart

// parseMonth reads ?month=YYYY-MM as its first instant; months after now's
// have no data yet.
func parseMonth(s string, now time.Time) (time.Time, error) {
	m, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, badRequest(fmt.Sprintf("month: want YYYY-MM, got %q", s))
	}
	if m.After(monthStart(now)) {
		return time.Time{}, badRequest(fmt.Sprintf("month: %s has not started yet", s))
	}
	return m, checkInDateTime(m)
}
