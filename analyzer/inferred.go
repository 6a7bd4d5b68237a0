package analyzer

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Inferred cold starts are instances whose first invocation falls in the
// range and that never carried an explicit cold-start flag (ARCHITECTURE.md:
// inference happens where all data meets, so it holds whichever collector
// replica got which span and in whatever order they arrived).
//
// Days the coldstarts job has settled (settle.go) are read from
// inferred_cold_days, whole or in part, at minute resolution; the rest of
// the range from instance_days.

// instancesPiece counts the inferred cold starts of one time range from the
// instance_days rollup: the instances first seen in the range's days within
// the range, less those seen on the lookback day before them
// (schemas/migrations/0007). The lookback day is only looked up, not
// merged with the range's states: a third of the CPU of merging both days
// at 100M invocations (docs/benchmarks.md). Its arguments are the filter's,
// the range's first and last instant (a range ending at midnight reads no
// row of the day after), range start and end in nanoseconds, the filter's
// again and the lookback day.
const instancesPiece = `
    SELECT provider, account_id, region, function_name, toUInt32(%s) AS time_key, count() AS c
    FROM (
        SELECT provider, account_id, region, function_name, instance,
               minMerge(first_start_ns) AS first_ns, maxMerge(explicit_flag) AS flagged
        FROM instance_days
        WHERE %s AND day >= toDate(?) AND day <= toDate(?)
        GROUP BY provider, account_id, region, function_name, instance
    )
    WHERE first_ns >= ? AND first_ns < ? AND flagged = 0
      AND (provider, account_id, region, function_name, instance) NOT IN (
          SELECT provider, account_id, region, function_name, instance FROM instance_days
          WHERE %s AND day = toDate(?))
    GROUP BY provider, account_id, region, function_name, time_key`

// settledPiece reads the settled whole days [?, ?) of inferred_cold_days,
// the latest settlement of each function and day.
const settledPiece = `
    SELECT provider, account_id, region, function_name, toUInt32(0) AS time_key, sum(n) AS c
    FROM (
        SELECT provider, account_id, region, function_name, day, argMax(cold_starts, version) AS n
        FROM inferred_cold_days
        WHERE %s AND day >= toDate(?) AND day < toDate(?)
        GROUP BY provider, account_id, region, function_name, day
    )
    GROUP BY provider, account_id, region, function_name`

// settledPartPiece counts the settled cold starts of a part of one day:
// those whose minute of the day is in [?, ?) in the latest settlement.
// Only the range's partial first and last days read the minutes: counting
// them costs three times the whole days' read (docs/benchmarks.md). Its
// arguments are the minute bounds, the filter's, and the day.
const settledPartPiece = `
    SELECT provider, account_id, region, function_name, toUInt32(0) AS time_key,
           toUInt64(arrayCount(m -> m >= ? AND m < ?, argMax(first_minutes, version))) AS c
    FROM inferred_cold_days
    WHERE %s AND day = toDate(?)
    GROUP BY provider, account_id, region, function_name`

// settledParts renders the pieces of the settled days within f's range:
// its partial first and last days from their minutes, the whole days
// between from their counts.
func settledParts(f Filter, whole span) ([]string, []any) {
	where, whereArgs := f.where()
	var parts []string
	var args []any
	part := func(d time.Time) {
		lo, hi := 0, 24*60
		if f.From.After(d) {
			lo = int(f.From.Sub(d) / time.Minute)
		}
		if f.To.Before(d.Add(day)) {
			hi = int(f.To.Sub(d) / time.Minute)
		}
		parts = append(parts, fmt.Sprintf(settledPartPiece, where))
		args = append(append(append(args, lo, hi), whereArgs...), d)
	}
	if f.From.After(whole.from) {
		part(whole.from)
		whole.from = whole.from.Add(day)
	}
	if f.To.Before(whole.to) && whole.from.Before(whole.to) {
		whole.to = whole.to.Add(-day)
		part(whole.to)
	}
	if whole.from.Before(whole.to) {
		parts = append(parts, fmt.Sprintf(settledPiece, where))
		args = append(append(args, whereArgs...), whole.from, whole.to)
	}
	return parts, args
}

// firstSeconds is an instance's first start in unix seconds, for time keys.
const firstSeconds = "intDiv(first_ns, 1000000000)"

// timeKeyOf renders a time key ({s} form; "" = none) over first starts.
func timeKeyOf(timeKey string) string {
	if timeKey == "" {
		return "0"
	}
	return strings.ReplaceAll(timeKey, "{s}", firstSeconds)
}

// inferredColdStarts counts inferred cold starts per function and time key
// (a {s} time key over the instance's first start; "" = none).
func (r *Reader) inferredColdStarts(ctx context.Context, f Filter, timeKey string) (map[keyAt]uint64, error) {
	out := map[keyAt]uint64{}
	if f.Platform != "" || f.Version != "" {
		rows, err := r.firstInvocations(ctx, f, timeKey)
		for _, fi := range rows {
			out[keyAt{fi.FunctionKey, fi.TimeKey}] += fi.Count
		}
		return out, err
	}
	var settled span
	if timeKey == "" {
		var err error
		if settled, err = r.settledSpan(ctx, f); err != nil {
			return nil, err
		}
	}
	where, whereArgs := f.where()
	var parts []string
	var args []any
	live := func(from, to time.Time) {
		if from.Before(to) {
			parts = append(parts, fmt.Sprintf(instancesPiece, timeKeyOf(timeKey), where, where))
			args = append(append(args, whereArgs...), from, to.Add(-time.Nanosecond), uint64(from.UnixNano()), uint64(to.UnixNano()))
			args = append(append(args, whereArgs...), from.Add(-InstanceLookback))
		}
	}
	if settled.empty() {
		live(f.From, f.To)
	} else {
		live(f.From, settled.from)
		sp, sa := settledParts(f, settled)
		parts, args = append(parts, sp...), append(args, sa...)
		live(settled.to, f.To)
	}
	q := fmt.Sprintf(`SELECT provider, account_id, region, function_name, time_key, sum(c) FROM (%s
) GROUP BY provider, account_id, region, function_name, time_key LIMIT ?`, strings.Join(parts, "\n    UNION ALL"))
	var k keyAt
	var n uint64
	err := r.each(ctx, "inferred cold starts", q, append(args, maxRows+1),
		[]any{&k.Provider, &k.AccountID, &k.Region, &k.FunctionName, &k.TimeKey, &n}, func() { out[k] = n })
	return out, err
}

// InstanceLookback is how far before a range inference looks for an
// instance's earlier invocations. Providers reclaim idle instances within
// minutes to an hour (AWS about 5-15 min, Azure 20 min, GCP 15 min:
// ../shared/keepwarm.md), so an instance idle for a day is gone; a longer
// bound would only cost reading more rows. Reads cover whole days, so the
// lookback reaches back to the start of the day before the range's.
const InstanceLookback = 24 * time.Hour

// firstInvocation is a group of inferred cold starts with the attributes of
// their first invocations (for breakdowns) and a time key of their start.
type firstInvocation struct {
	FunctionKey
	Version, Runtime string
	MemoryMB         uint32
	TimeKey          uint32
	DurationMsSum    float64
	Count            uint64
}

// firstInvocationsQuery finds, per unflagged instance seen from the
// lookback to the range end, its first invocation, and keeps those in range.
const firstInvocationsQuery = `
SELECT provider, account_id, region, function_name, v, rt, mem, toUInt32(%s) AS time_key,
       sum(d), count()
FROM (
    SELECT provider, account_id, region, function_name, instance_id,
           min(toUInt64(ts) * 1000000000 + ts_ns) AS first_ns,
           argMin(function_version, toUInt64(ts) * 1000000000 + ts_ns) AS v,
           argMin(runtime, toUInt64(ts) * 1000000000 + ts_ns) AS rt,
           argMin(memory_mb, toUInt64(ts) * 1000000000 + ts_ns) AS mem,
           argMin(duration_ms, toUInt64(ts) * 1000000000 + ts_ns) AS d,
           max(cold_start_source != 'unknown') AS flagged
    FROM invocations
    WHERE %s AND record_type = 'invocation' AND instance_id != '' AND ts >= ? AND ts < ?
    GROUP BY provider, account_id, region, function_name, instance_id
)
WHERE first_ns >= ? AND first_ns < ? AND flagged = 0
GROUP BY provider, account_id, region, function_name, v, rt, mem, time_key
LIMIT ?`

func (r *Reader) firstInvocations(ctx context.Context, f Filter, timeKey string) ([]firstInvocation, error) {
	where, args := f.where()
	q := fmt.Sprintf(firstInvocationsQuery, timeKeyOf(timeKey), where)
	args = append(args, f.From.Add(-InstanceLookback), f.To, uint64(f.From.UnixNano()), uint64(f.To.UnixNano()), maxRows+1)
	var out []firstInvocation
	var fi firstInvocation
	dest := []any{&fi.Provider, &fi.AccountID, &fi.Region, &fi.FunctionName, &fi.Version, &fi.Runtime,
		&fi.MemoryMB, &fi.TimeKey, &fi.DurationMsSum, &fi.Count}
	err := r.each(ctx, "first invocations", q, args, dest, func() { out = append(out, fi) })
	return out, err
}
