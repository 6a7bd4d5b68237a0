package analyzer

import (
	"context"
	"math"
	"strconv"
	"time"
)

// wholeDaysFrom is the range length from which percentiles cover whole days.
const wholeDaysFrom = 7 * 24 * time.Hour

// durationStats are a group's latency distribution: t-digest quantiles of
// handler duration and init duration, and the exact maximum.
type durationStats struct {
	Duration Quantiles
	MaxMs    float64
	Init     Quantiles
}

// keyAt is a function (or the zero key when not grouped by function) at a
// time key.
type keyAt struct {
	FunctionKey
	TimeKey uint32
}

// Quantile states are merged across pieces: function_hour keeps t-digest
// states per hour; raw rows at the range's ends are turned into states of
// the same type, so one outer merge covers the exact range.
var quantileMeasures = []measure{
	{"quantilesTDigestIfMergeState(0.5, 0.9, 0.95, 0.99)(duration_quantiles)",
		"quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)(duration_ms, record_type = 'invocation')"},
	{"maxIfMergeState(duration_max)", "maxIfState(duration_ms, record_type = 'invocation')"},
	{"quantilesTDigestIfMergeState(0.5, 0.95, 0.99)(init_quantiles)",
		"quantilesTDigestIfState(0.5, 0.95, 0.99)(init_duration_ms, init_duration_ms > 0)"},
}

var quantileOuter = []string{
	"quantilesTDigestIfMerge(0.5, 0.9, 0.95, 0.99)(q0)", "maxIfMerge(q1)", "quantilesTDigestIfMerge(0.5, 0.95, 0.99)(q2)",
}

// quantiles reads duration distributions per function (spec.function; the
// other dimensions of spec are ignored) and per time key. function_hour has no version column, so a version filter
// reads raw rows for the whole range.
func (r *Reader) quantiles(ctx context.Context, f Filter, spec usageSpec) (map[keyAt]durationStats, error) {
	return r.quantilesBy(ctx, f, spec.ids(), spec)
}

// ids are the FunctionKey expressions of quantilesBy for spec: the
// function's identity, or none.
func (s usageSpec) ids() [4]string {
	if s.function {
		return [4]string{"provider", "account_id", "region", "function_name"}
	}
	return [4]string{"''", "''", "''", "''"}
}

// quantilesBy is quantiles grouped by ids, the expressions of the
// FunctionKey fields (provider, account, region, function; an empty string literal for a
// field not grouped by), so that alert rules can group by any of them.
func (r *Reader) quantilesBy(ctx context.Context, f Filter, ids [4]string, spec usageSpec) (map[keyAt]durationStats, error) {
	ps, err := r.quantilePieces(ctx, f, spec)
	if err != nil {
		return nil, err
	}
	return r.quantilesOver(ctx, f, ids, spec, ps, false)
}

// quantilesOver is quantilesBy over the pieces quantilePieces gave for f's
// range. durationsOnly leaves out the maximum and the init quantiles (a
// list shows neither; each is another state to decode per piece).
func (r *Reader) quantilesOver(ctx context.Context, f Filter, ids [4]string, spec usageSpec, ps []piece, durationsOnly bool) (map[keyAt]durationStats, error) {
	measures, outer := quantileMeasures, quantileOuter
	if durationsOnly {
		measures, outer = measures[:1], outer[:1]
	}
	dims := append(ids[:], spec.timeDim())
	rollup := make([]string, len(measures))
	raw := make([]string, len(measures))
	for i, m := range measures {
		rollup[i], raw[i] = m.rollup+" AS q"+strconv.Itoa(i), m.raw+" AS q"+strconv.Itoa(i)
	}
	q, args := tiered(f, dims, quantileRollups, rollup, raw, outer, ps)
	out := map[keyAt]durationStats{}
	var k keyAt
	var d, init []float64
	var maxMs float64
	dest := []any{&k.Provider, &k.AccountID, &k.Region, &k.FunctionName, &k.TimeKey, &d, &maxMs, &init}
	dest = dest[:len(dest)-len(quantileMeasures)+len(measures)]
	err := r.each(ctx, "duration quantiles", q, append(args, maxRows+1), dest, func() { out[k] = statsOf(d, maxMs, init) })
	return out, err
}

// quantilePieces splits f's range into the pieces its states are read
// from. Ranges of a week or more are widened to whole days (their
// percentiles merge day states, not hours), and read from settled windows
// where they are valid (windows.go); other ranges to whole hours, as there
// is no minute level of states. A version filter reads raw rows: no rollup
// of states has the column.
func (r *Reader) quantilePieces(ctx context.Context, f Filter, spec usageSpec) ([]piece, error) {
	g := spec.grain
	switch {
	case f.hasVersion():
		return pieces(f.From, f.To, grainRaw), nil
	case g == grainMinute:
		return pieces(f.From, f.To, g), nil
	case g == grainHour || f.To.Sub(f.From) < wholeDaysFrom:
		return pieces(f.From.Truncate(time.Hour), ceilTo(f.To, time.Hour), g), nil
	}
	from, to := f.From.Truncate(day), ceilTo(f.To, day)
	if spec.timeKey != "" {
		return pieces(from, to, g), nil // windows span days a time key tells apart
	}
	f.From, f.To = from, to
	return r.windowPieces(ctx, f)
}

func statsOf(d []float64, maxMs float64, init []float64) durationStats {
	var s durationStats
	if len(d) == 4 {
		s.Duration = Quantiles{P50: finite(d[0]), P90: finite(d[1]), P95: finite(d[2]), P99: finite(d[3])}
	}
	if len(init) == 3 {
		s.Init = Quantiles{P50: finite(init[0]), P95: finite(init[1]), P99: finite(init[2])}
	}
	s.MaxMs = finite(maxMs)
	return s
}

// finite maps the NaN and infinities ClickHouse returns for empty groups to 0.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
