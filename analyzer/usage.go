package analyzer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faascope/faascope/billing"
)

// Usage is what a group of rows adds up to: the counts and sums every view
// (list, detail, series, costs) is computed from.
type Usage struct {
	Invocations, Errors, Timeouts, Throttles uint64
	ExplicitCold, Inits                      uint64 // cold starts flagged on invocations; init phases reported alone
	DurationMsSum, ColdDurationMsSum         float64
	InitMsSum                                float64
	InitMsCount                              uint64
	BilledMs, BilledMBms, InitBilledMBms     uint64
}

func (u *Usage) add(o Usage) {
	u.Invocations += o.Invocations
	u.Errors += o.Errors
	u.Timeouts += o.Timeouts
	u.Throttles += o.Throttles
	u.ExplicitCold += o.ExplicitCold
	u.Inits += o.Inits
	u.DurationMsSum += o.DurationMsSum
	u.ColdDurationMsSum += o.ColdDurationMsSum
	u.InitMsSum += o.InitMsSum
	u.InitMsCount += o.InitMsCount
	u.BilledMs += o.BilledMs
	u.BilledMBms += o.BilledMBms
	u.InitBilledMBms += o.InitBilledMBms
}

// billedGBs is billing's MB-ms to GB-s conversion for a summed column.
func billedGBs(mbms uint64) float64 { return billing.MBmsToGBs(float64(mbms)) }

// measure is one summed column: read from function_usage_hour for whole
// hours, computed from raw rows the same way function_usage_hour_mv does
// (schemas/migrations/0005) for the partial hours at the ends.
type measure struct{ rollup, raw string }

var usageMeasures = []measure{
	{"sum(invocations)", "countIf(record_type = 'invocation')"},
	{"sum(errors)", "countIf(record_type = 'invocation' AND outcome = 'error')"},
	{"sum(timeouts)", "countIf(record_type = 'invocation' AND outcome = 'timeout')"},
	{"sum(throttles)", "countIf(record_type = 'throttle')"},
	{"sum(cold_starts)", "countIf(record_type = 'invocation' AND cold_start = 1)"},
	{"sum(inits)", "countIf(record_type = 'init')"},
	{"sum(duration_ms_sum)", "sumIf(duration_ms, record_type = 'invocation')"},
	{"sum(cold_duration_ms_sum)", "sumIf(duration_ms, record_type = 'invocation' AND cold_start = 1)"},
	{"sum(init_ms_sum)", "sumIf(init_duration_ms, init_duration_ms > 0)"},
	{"sum(init_ms_count)", "countIf(init_duration_ms > 0)"},
	{"sum(billed_ms)", "sumIf(toUInt64(billed_duration_ms), record_type = 'invocation')"},
	{"sum(billed_mb_ms)", "sumIf(toUInt64(billed_duration_ms) * billed_memory_mb, record_type = 'invocation')"},
	{"sum(init_billed_mb_ms)", `toUInt64(sumIf((billed_duration_ms - toUInt64(ceil(duration_ms))) * billed_memory_mb,
        record_type = 'invocation' AND cold_start = 1 AND billing_plan = 'aws_lambda'
        AND billed_duration_ms > ceil(duration_ms)))`},
}

func (u *Usage) dest() []any {
	return []any{&u.Invocations, &u.Errors, &u.Timeouts, &u.Throttles, &u.ExplicitCold, &u.Inits,
		&u.DurationMsSum, &u.ColdDurationMsSum, &u.InitMsSum, &u.InitMsCount,
		&u.BilledMs, &u.BilledMBms, &u.InitBilledMBms}
}

// usageKey is what usage rows are grouped by. Provider, account, region,
// plan, architecture and memory are always grouped: prices depend on them.
// The other fields are grouped when the view needs them, else zero.
type usageKey struct {
	FunctionKey
	Platform, Plan, Arch string
	MemoryMB             uint32
	Version, Runtime     string
	TimeKey              uint32 // see usageSpec.timeKey
}

type usageRow struct {
	usageKey
	Usage
}

// usageSpec says which optional dimensions a usage query groups by.
type usageSpec struct {
	function, platform, version, runtime bool
	// timeKey groups by a UInt32 expression of the row time: monthKey,
	// stepKey or hourOfDayKey. Empty: no time grouping.
	timeKey string
	// grain is the coarsest rollup the question may read: days unless its
	// time key needs hours (hour of day, steps under a day) or minutes
	// (steps under an hour).
	grain grain
}

// grain is a level of the storage: whole days, hours or minutes, or raw
// rows; and settled windows of latency states (windows.go), which a query
// reads only where they are valid, never by pieces().
type grain int

const (
	grainDay grain = iota // the zero value: most questions can use days
	grainHour
	grainMinute
	grainRaw
	grainWindow grain = -1
)

// units are the lengths of the rollup levels.
var units = map[grain]time.Duration{grainDay: 24 * time.Hour, grainHour: time.Hour, grainMinute: time.Minute}

// rollups names the tables that hold the same aggregates per window, day,
// hour and minute, and their time columns; "" when a level has no table.
// prewhere: filter in PREWHERE, so that only the granules of the matching
// functions have their (large) state columns read.
type rollups struct {
	window, day, hour, minute string
	prewhere                  bool
}

var (
	usageRollups = rollups{day: "function_usage_day", hour: "function_usage_hour", minute: "function_usage_minute"}
	// Latency states have no minute table (t-digest states per minute cost
	// too much at ingest): percentiles are read over whole hours.
	quantileRollups = rollups{window: "function_windows", day: "function_day", hour: "function_hour", prewhere: true}
)

// table returns the table and time column of a level.
func (r rollups) table(g grain) (string, string) {
	switch {
	case g == grainWindow && r.window != "":
		return r.window, "start_day"
	case g == grainDay && r.day != "":
		return r.day, "day"
	case g == grainHour && r.hour != "":
		return r.hour, "hour"
	case g == grainMinute && r.minute != "":
		return r.minute, "minute"
	}
	return "invocations", "ts"
}

func (s usageSpec) dims() []string {
	opt := func(on bool, col, zero string) string {
		if on {
			return col
		}
		return zero
	}
	return []string{"provider", "account_id", "region", opt(s.function, "function_name", "''"),
		opt(s.platform, "platform", "''"), "billing_plan", "architecture", "memory_mb",
		opt(s.version, "function_version", "''"), opt(s.runtime, "runtime", "''"), s.timeDim()}
}

// timeDim renders the time key as a UInt32 expression.
func (s usageSpec) timeDim() string {
	if s.timeKey == "" {
		return "toUInt32(0)"
	}
	return "toUInt32(" + strings.ReplaceAll(s.timeKey, "{s}", "toUInt32({t})") + ")"
}

// Time keys: {t} stands for a DateTime column, {s} for unix seconds.
const (
	monthKey     = "toYYYYMM({t})"               // calendar month, YYYYMM
	dayKey       = "toYYYYMMDD({t})"             // calendar day, YYYYMMDD
	hourOfDayKey = "intDiv(({s}) % 86400, 3600)" // 0..23, UTC
)

// stepKey groups by buckets of a step from Steps (a constant, never request
// text), keyed by the bucket's start in unix seconds.
func stepKey(step time.Duration) string {
	n := int(step.Seconds())
	return fmt.Sprintf("intDiv({s}, %d) * %d", n, n)
}

// usage sums rows matching f by the spec's dimensions, from the coarsest
// rollups the range allows, whole units less finer ones where that reads
// fewer rows (sumPieces), so totals are exact at minute resolution (second
// resolution from raw rows). Groups whose rows all fell in subtracted
// pieces sum to nothing and are left out. Grouped by function, account-less
// orphan rows join their function (adoptOrphans).
func (r *Reader) usage(ctx context.Context, f Filter, spec usageSpec) ([]usageRow, error) {
	var row usageRow
	k := &row.usageKey
	dest := append([]any{&k.Provider, &k.AccountID, &k.Region, &k.FunctionName, &k.Platform, &k.Plan,
		&k.Arch, &k.MemoryMB, &k.Version, &k.Runtime, &k.TimeKey}, row.Usage.dest()...)
	measures := dest[len(dest)-len(usageMeasures):]
	rollup := make([]string, len(usageMeasures))
	raw := make([]string, len(usageMeasures))
	outer := make([]string, len(usageMeasures))
	for i, m := range usageMeasures {
		rollup[i], raw[i], outer[i] = fmt.Sprintf("%s AS m%d", m.rollup, i), fmt.Sprintf("%s AS m%d", m.raw, i), signedSum(i, measures[i])
	}
	q, args := tiered(f, spec.dims(), usageRollups, rollup, raw, outer, sumPieces(f.From, f.To, spec.grain))
	var out []usageRow
	err := r.each(ctx, "usage", q, append(args, maxRows+1), dest, func() {
		if row.Invocations+row.Throttles+row.Inits > 0 {
			out = append(out, row)
		}
	})
	if len(out) > maxRows {
		return nil, invalid("more than %d groups match: narrow the filter or the range", maxRows)
	}
	if spec.function {
		adoptOrphans(out)
	}
	return out, err
}

// signedSum sums measure i of the pieces with their signs, as the type of
// dest. A count is never below zero; the floor covers a query that sees
// an insert in one rollup before the next one.
func signedSum(i int, dest any) string {
	if _, ok := dest.(*float64); ok {
		return fmt.Sprintf("sum(m%d * sign)", i)
	}
	return fmt.Sprintf("toUInt64(greatest(sum(m%d * sign), 0))", i)
}

// usageAndInferred runs the usage query and the inferred-cold-start query
// of f at once: they are independent, and every view waits for both.
// Inferred cold starts are keyed by spec's time key when it is a {s} key
// (steps, hour of day), else by function only.
func (r *Reader) usageAndInferred(ctx context.Context, f Filter, spec usageSpec) ([]usageRow, map[keyAt]uint64, error) {
	timeKey := spec.timeKey
	if !strings.Contains(timeKey, "{s}") {
		timeKey = "" // calendar keys (month, day) are not needed per instance
	}
	var rows []usageRow
	var inferred map[keyAt]uint64
	err := concurrently(func() (err error) {
		inferred, err = r.inferredColdStarts(ctx, f, timeKey)
		return err
	}, func() (err error) {
		rows, err = r.usage(ctx, f, spec)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return rows, inferred, nil
}

// concurrently runs fns at once and joins their errors.
func concurrently(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// withoutTime sums keyed counts over their time keys.
func withoutTime(m map[keyAt]uint64) map[keyAt]uint64 {
	out := make(map[keyAt]uint64, len(m))
	for k, n := range m {
		out[keyAt{FunctionKey: k.FunctionKey}] += n
	}
	return out
}

// maxRows bounds the grouped rows one query returns (functions x configs x
// buckets): far above real use, low enough to keep a response in memory.
const maxRows = 200_000

// tiered builds "SELECT dims, outer FROM (pieces UNION ALL) GROUP BY dims".
// Each piece reads one plain time range from one level (see pieces): whole
// days from the day rollup, whole hours left at either end from the hour
// rollup, whole minutes left from the minute rollup (raw rows for seconds,
// and for levels a table set lacks). A window piece reads the windows of
// its length starting on its start days. So a 30-day range reads about 30
// rollup rows per function plus the edge hours and minutes, and counts are
// exact for ranges at minute resolution (Filter.truncated). One plain
// range per subquery because ClickHouse 18.16 prunes partitions for
// "t >= a AND t < b" but not through an OR of ranges. Dimensions are
// aliased d0, d1...: an alias named like a column would shadow it in WHERE
// ("” AS function_version" would defeat a version filter).
func tiered(f Filter, dims []string, tables rollups, rollup, raw, outer []string, ps []piece) (string, []any) {
	where, whereArgs := f.where()
	aliases := make([]string, len(dims))
	for i := range dims {
		aliases[i] = "d" + strconv.Itoa(i)
	}
	group := strings.Join(aliases, ", ")
	var parts []string
	var args []any
	for _, p := range ps {
		table, tcol := tables.table(p.level)
		cols, filter := rollup, "WHERE"
		if table == "invocations" {
			cols = raw
		} else if tables.prewhere {
			filter = "PREWHERE"
		}
		sel := make([]string, len(dims))
		for i, d := range dims {
			sel[i] = strings.ReplaceAll(d, "{t}", tcol) + " AS " + aliases[i]
		}
		args = append(append(args, whereArgs...), p.from, p.to)
		window := ""
		if p.level == grainWindow {
			window = p.windowCond(tcol)
		}
		parts = append(parts, fmt.Sprintf("\n    SELECT %s, %s, toInt8(%d) AS sign FROM %s %s %s AND %s >= ? AND %s < ?%s GROUP BY %s",
			strings.Join(sel, ", "), strings.Join(cols, ", "), p.sign(), table, filter, where, tcol, tcol, window, group))
	}
	q := fmt.Sprintf("SELECT %s, %s FROM (%s\n) GROUP BY %s LIMIT ?",
		group, strings.Join(outer, ", "), strings.Join(parts, "\n    UNION ALL"), group)
	return q, args
}

// piece is one half-open time range read from one level; for the window
// level, the windows of days days and the build of each (pins) in it.
// minus: its sums are subtracted (sumPieces); states never are.
type piece struct {
	level    grain
	from, to time.Time
	days     int
	pins     []windowPin
	minus    bool
}

// sign is the factor of the piece's sums.
func (p piece) sign() int {
	if p.minus {
		return -1
	}
	return 1
}

// windowPin is a window's start (unix seconds) and the version of its rows.
type windowPin struct {
	start   uint32
	version uint64
}

// windowCond selects a window piece's rows: its length, and each window's
// own build. The numbers come from settled_windows, never from a request.
func (p piece) windowCond(tcol string) string {
	pairs := make([]string, len(p.pins))
	for i, w := range p.pins {
		pairs[i] = fmt.Sprintf("(%d, %d)", w.start, w.version)
	}
	return fmt.Sprintf(" AND span_days = %d AND (toUInt32(%s), version) IN (%s)", p.days, tcol, strings.Join(pairs, ", "))
}

// each runs a query, scans every row into dest and calls onRow after each.
func (r *Reader) each(ctx context.Context, what, query string, args, dest []any, onRow func()) error {
	rows, err := r.conn.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("cannot query %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("cannot scan %s: %w", what, err)
		}
		onRow()
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot read %s: %w", what, err)
	}
	return nil
}
