package analyzer

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	{"sum(billed_ms)", "sumIf(toUInt64(billed_duration_ms), record_type = 'invocation')"},
	{"sum(billed_mb_ms)", "sumIf(toUInt64(billed_duration_ms) * billed_memory_mb, record_type = 'invocation')"},
	{"sum(init_billed_mb_ms)", `toUInt64(sumIf((billed_duration_ms - toUInt64(ceil(duration_ms))) * billed_memory_mb,
        record_type = 'invocation' AND cold_start = 1 AND billing_plan = 'aws_lambda'
        AND billed_duration_ms > ceil(duration_ms)))`},
}

// latencyMeasures are the sums of cold-start and init durations, read only
// by the views that show them (usageSpec.latency): every summed column is
// read and added for every row of every piece (docs/benchmarks.md, §3
// item 7).
var latencyMeasures = []measure{
	{"sum(cold_duration_ms_sum)", "sumIf(duration_ms, record_type = 'invocation' AND cold_start = 1)"},
	{"sum(init_ms_sum)", "sumIf(init_duration_ms, init_duration_ms > 0)"},
	{"sum(init_ms_count)", "countIf(init_duration_ms > 0)"},
}

// dest is where a row's measures are scanned to, in the order of
// usageMeasures and, with latency, latencyMeasures.
func (u *Usage) dest(latency bool) []any {
	d := []any{&u.Invocations, &u.Errors, &u.Timeouts, &u.Throttles, &u.ExplicitCold, &u.Inits,
		&u.DurationMsSum, &u.BilledMs, &u.BilledMBms, &u.InitBilledMBms}
	if latency {
		d = append(d, &u.ColdDurationMsSum, &u.InitMsSum, &u.InitMsCount)
	}
	return d
}

// negate turns u into its opposite: counts wrap around (see netUsage).
func (u *Usage) negate() {
	for _, p := range u.dest(true) {
		switch v := p.(type) {
		case *uint64:
			*v = -*v
		case *float64:
			*v = -*v
		}
	}
}

// floor reads a count that wrapped below zero as zero.
func (u *Usage) floor() {
	for _, p := range u.dest(true) {
		if v, ok := p.(*uint64); ok && *v > math.MaxInt64 {
			*v = 0
		}
	}
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
	// latency reads the sums of cold-start and init durations too.
	latency bool
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
// resolution from raw rows). Each piece is its own query, a few at a time,
// summed here: ClickHouse 18.16 analyses a query on one core, and one query
// of all pieces (UNION ALL) took as long as the pieces one after the other
// (docs/benchmarks.md). Groups whose rows all fell in subtracted pieces sum
// to nothing and are left out. Grouped by function, account-less orphan
// rows join their function (adoptOrphans).
func (r *Reader) usage(ctx context.Context, f Filter, spec usageSpec) ([]usageRow, error) {
	measures := usageMeasures
	if spec.latency {
		measures = append(measures[:len(measures):len(measures)], latencyMeasures...)
	}
	rollup := make([]string, len(measures))
	raw := make([]string, len(measures))
	for i, m := range measures {
		rollup[i], raw[i] = fmt.Sprintf("%s AS m%d", m.rollup, i), fmt.Sprintf("%s AS m%d", m.raw, i)
	}
	ps := sumPieces(f.From, f.To, spec.grain)
	reads := make([][]usageRow, len(ps))
	fns := make([]func() error, len(ps))
	for i, p := range ps {
		fns[i] = func() (err error) {
			q, args := pieceQuery(f, spec.dims(), usageRollups, rollup, raw, p)
			reads[i], err = r.usagePiece(ctx, q+" LIMIT ?", append(args, maxRows+1), spec.latency, p.minus)
			return err
		}
	}
	if err := concurrentlyAtMost(usageQueries, fns...); err != nil {
		return nil, err
	}
	out, err := netUsage(reads)
	if err != nil {
		return nil, err
	}
	if spec.function {
		adoptOrphans(out)
	}
	return out, nil
}

// usageQueries is how many pieces of one usage read run at once: on two
// cores, more only wait for each other (docs/benchmarks.md).
const usageQueries = 3

// usagePiece runs the query of one piece: its groups, negated when the
// piece is subtracted.
func (r *Reader) usagePiece(ctx context.Context, q string, args []any, latency, minus bool) ([]usageRow, error) {
	var row usageRow
	k := &row.usageKey
	dest := append([]any{&k.Provider, &k.AccountID, &k.Region, &k.FunctionName, &k.Platform, &k.Plan,
		&k.Arch, &k.MemoryMB, &k.Version, &k.Runtime, &k.TimeKey}, row.Usage.dest(latency)...)
	var out []usageRow
	err := r.each(ctx, "usage", q, args, dest, func() {
		if minus {
			row.negate()
		}
		out = append(out, row)
	})
	if len(out) > maxRows {
		return nil, tooManyGroups()
	}
	return out, err
}

func tooManyGroups() error {
	return invalid("more than %d groups match: narrow the filter or the range", maxRows)
}

// netUsage adds up the groups of the pieces, those of subtracted pieces
// negated. Counts wrap around while pieces are subtracted and come out
// right in the end; one that stays below zero (a query that saw an insert
// in one rollup before the next) is read as zero.
func netUsage(reads [][]usageRow) ([]usageRow, error) {
	net := map[usageKey]*Usage{}
	for _, rows := range reads {
		for _, row := range rows {
			if n := net[row.usageKey]; n != nil {
				n.add(row.Usage)
			} else {
				u := row.Usage
				net[row.usageKey] = &u
			}
		}
	}
	if len(net) > maxRows {
		return nil, tooManyGroups()
	}
	out := make([]usageRow, 0, len(net))
	for k, u := range net {
		u.floor()
		if u.Invocations+u.Throttles+u.Inits > 0 {
			out = append(out, usageRow{k, *u})
		}
	}
	return out, nil
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
	return concurrentlyAtMost(len(fns), fns...)
}

// concurrentlyAtMost runs fns, n at a time, and joins their errors.
func concurrentlyAtMost(n int, fns ...func() error) error {
	errs := make([]error, len(fns))
	slots := make(chan struct{}, max(n, 1))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
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
// "t >= a AND t < b" but not through an OR of ranges. The latency states
// use it (they can be merged only in ClickHouse); usage runs one query per
// piece and sums them in Go.
func tiered(f Filter, dims []string, tables rollups, rollup, raw, outer []string, ps []piece) (string, []any) {
	var parts []string
	var args []any
	for _, p := range ps {
		q, pa := pieceQuery(f, dims, tables, rollup, raw, p)
		parts, args = append(parts, "\n    "+q), append(args, pa...)
	}
	group := strings.Join(aliases(dims), ", ")
	q := fmt.Sprintf("SELECT %s, %s FROM (%s\n) GROUP BY %s LIMIT ?",
		group, strings.Join(outer, ", "), strings.Join(parts, "\n    UNION ALL"), group)
	return q, args
}

// pieceQuery is the SELECT of one piece: the dimensions (aliased d0, d1...)
// and the rollup's columns (raw's from raw rows) over the piece's range,
// grouped by the dimensions.
func pieceQuery(f Filter, dims []string, tables rollups, rollup, raw []string, p piece) (string, []any) {
	where, args := f.where()
	table, tcol := tables.table(p.level)
	cols, filter := rollup, "WHERE"
	if table == "invocations" {
		cols = raw
	} else if tables.prewhere {
		filter = "PREWHERE"
	}
	as := aliases(dims)
	sel := make([]string, len(dims))
	for i, d := range dims {
		sel[i] = strings.ReplaceAll(d, "{t}", tcol) + " AS " + as[i]
	}
	window := ""
	if p.level == grainWindow {
		window = p.windowCond(tcol)
	}
	q := fmt.Sprintf("SELECT %s, %s FROM %s %s %s AND %s >= ? AND %s < ?%s GROUP BY %s",
		strings.Join(sel, ", "), strings.Join(cols, ", "), table, filter, where, tcol, tcol, window, strings.Join(as, ", "))
	return q, append(args, p.from, p.to)
}

// aliases names dimensions d0, d1...: an alias named like a column would
// shadow it in WHERE ("” AS function_version" would defeat a version filter).
func aliases(dims []string) []string {
	out := make([]string, len(dims))
	for i := range dims {
		out[i] = "d" + strconv.Itoa(i)
	}
	return out
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
