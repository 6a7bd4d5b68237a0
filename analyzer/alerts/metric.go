package alerts

import (
	"maps"
	"math"
	"slices"
)

// Metric names what a rule watches. Sample.Value is in the metric's unit.
type Metric string

// The metrics. Rates are shares in [0, 1], as in analyzer.Counts (20% is
// 0.2); windowed metrics cover [now-Window, now).
const (
	ColdStartRate      Metric = "cold_start_rate"      // cold starts / invocations
	ColdStarts         Metric = "cold_starts"          // count
	InitP95Ms          Metric = "init_p95_ms"          // p95 of cold starts' init phase, ms
	ThrottleRate       Metric = "throttle_rate"        // throttles / (invocations + throttles)
	Throttles          Metric = "throttles"            // count
	ErrorRate          Metric = "error_rate"           // errors / invocations
	TimeoutRate        Metric = "timeout_rate"         // timeouts / invocations
	DurationP95Ms      Metric = "duration_p95_ms"      // p95 of duration, ms
	CostPerDay         Metric = "cost_per_day"         // USD over the window, scaled to 24 hours
	ProjectedMonthCost Metric = "projected_month_cost" // USD, the month-end projection; no window
	// CostChangePct is the change of the cost over the window against the
	// same window one week earlier (same weekday and hours), in percent:
	// 20 means up 20%. Groups without cost a week earlier have no sample.
	CostChangePct Metric = "cost_change_pct"
)

// unit is how a metric's values are read, for validation.
type unit int

const (
	unitShare   unit = iota // in [0, 1]
	unitCount               // >= 0
	unitMs                  // >= 0
	unitUSD                 // >= 0
	unitPercent             // any: changes go both ways
)

// metricUnits lists every metric and its unit.
var metricUnits = map[Metric]unit{
	ColdStartRate: unitShare, ColdStarts: unitCount, InitP95Ms: unitMs,
	ThrottleRate: unitShare, Throttles: unitCount, ErrorRate: unitShare, TimeoutRate: unitShare,
	DurationP95Ms: unitMs, CostPerDay: unitUSD, ProjectedMonthCost: unitUSD, CostChangePct: unitPercent,
}

// Metrics lists every metric, for help texts and the API.
func Metrics() []Metric { return slices.Sorted(maps.Keys(metricUnits)) }

// windowed reports whether the metric covers a window (all but the
// projection, which covers the month).
func (m Metric) windowed() bool { return m != ProjectedMonthCost }

// Comparator compares a sample's value (left) with the threshold (right).
type Comparator string

// comparators maps each comparator, and its word alias (YAML reads a bare
// > as a folded block, so `comparator: ge` saves quoting), to its test.
var comparators = map[Comparator]func(v, t float64) bool{
	">": gt, "gt": gt, ">=": ge, "ge": ge, "<": lt, "lt": lt, "<=": le, "le": le,
	"==": eq, "eq": eq, "!=": ne, "ne": ne,
}

func gt(v, t float64) bool { return v > t }
func ge(v, t float64) bool { return v >= t }
func lt(v, t float64) bool { return v < t }
func le(v, t float64) bool { return v <= t }
func eq(v, t float64) bool { return v == t }
func ne(v, t float64) bool { return v != t }

// holds reports whether v compared with t satisfies c; false for an
// unknown comparator or a NaN value (no data is never a breach).
func (c Comparator) holds(v, t float64) bool {
	test, ok := comparators[c]
	return ok && !math.IsNaN(v) && test(v, t)
}

// Severity is how urgent a rule's alerts are.
type Severity string

// The severities.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)
