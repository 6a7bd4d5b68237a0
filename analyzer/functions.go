package analyzer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// MaxFunctions bounds how many functions one list query returns.
const MaxFunctions = 10_000

// Reader runs analyzer queries on one ClickHouse database.
type Reader struct {
	conn    driver.Conn
	timeout time.Duration
}

// NewReader returns a Reader whose queries give up after timeout.
func NewReader(conn driver.Conn, timeout time.Duration) *Reader {
	return &Reader{conn: conn, timeout: timeout}
}

// FunctionFilter selects the rows a function list covers: one tenant, start
// times in [From, To) at second resolution.
type FunctionFilter struct {
	Tenant   string
	From, To time.Time
}

// Validate rejects ranges the query cannot answer.
func (f FunctionFilter) Validate() error {
	if f.Tenant == "" {
		return errors.New("tenant is required")
	}
	if !f.To.After(f.From) {
		return fmt.Errorf("range is empty: from %s is not before to %s", f.From.Format(time.RFC3339), f.To.Format(time.RFC3339))
	}
	return nil
}

// FunctionKey identifies a function: the same name in another region or
// account is another function.
type FunctionKey struct {
	Provider     string `json:"provider"`
	Region       string `json:"region"`
	AccountID    string `json:"account_id"`
	FunctionName string `json:"function"`
}

// FunctionSummary is one row of the function list.
type FunctionSummary struct {
	FunctionKey
	Platform    string `json:"platform"`
	Invocations uint64 `json:"invocations"`
	Errors      uint64 `json:"errors"`
	Timeouts    uint64 `json:"timeouts"`
	Throttles   uint64 `json:"throttles"`
	ColdStarts  uint64 `json:"cold_starts"`
}

// FunctionList is the answer to Functions.
type FunctionList struct {
	Functions []FunctionSummary
	// Truncated is true when more than MaxFunctions functions matched.
	Truncated bool
}

// Functions lists every function seen in the range with its counts. Whole
// hours come from the function_hour rollup, whole minutes from
// function_minute, the partial minutes at either end from raw rows, so counts
// are exact for any range at second resolution.
//
// Cold starts: invocations flagged cold (faas.coldstart or a platform report)
// plus instances whose first invocation falls in the range and that never sent
// a flag (inferred). Init spans from the Lambda Telemetry API describe the same
// cold starts as the invocations they precede, so they are not added: the
// larger of the two counts is reported, which covers functions whose spans
// carry neither a flag nor an instance id (Java) but do send init spans.
func (r *Reader) Functions(ctx context.Context, f FunctionFilter) (FunctionList, error) {
	if err := f.Validate(); err != nil {
		return FunctionList{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	from, to := f.From.UTC().Truncate(time.Second), f.To.UTC().Truncate(time.Second)
	byKey, err := r.counts(ctx, f.Tenant, from, to)
	if err != nil {
		return FunctionList{}, err
	}
	inferred, err := r.inferredColdStarts(ctx, f.Tenant, from, to)
	if err != nil {
		return FunctionList{}, err
	}
	return assembleList(byKey, inferred), nil
}

// functionCounts is one function's counts before cold-start assembly.
type functionCounts struct {
	FunctionSummary
	explicitCold, inits uint64
}

// countsQuery sums whole hours from function_hour, the whole minutes left at
// either end from function_minute, and the seconds left at the very ends
// from raw rows, so a 30-day list reads about 720 rollup rows per function
// whatever the raw volume. Each piece is its own subquery with one plain
// range: ClickHouse 18.16 prunes partitions for "t >= a AND t < b" but not
// through an OR of two ranges. platform is not part of a function's
// identity (a throttle seen from the caller may name a different platform),
// so the platform reported is the one of the rows with the most invocations.
var countsQuery = `
SELECT provider, account_id, region, function_name,
       argMax(platform, inv) AS platform_name,
       sum(inv), sum(err), sum(tmo), sum(thr), sum(cold), sum(ini)
FROM (` + strings.Join([]string{
	rollupCounts("function_hour", "hour"),
	rollupCounts("function_minute", "minute"), rollupCounts("function_minute", "minute"),
	rawCounts, rawCounts,
}, "\n    UNION ALL") + `
)
GROUP BY provider, account_id, region, function_name
LIMIT ?`

// rollupCounts reads one range [?, ?) of a rollup table for one tenant.
func rollupCounts(table, timeColumn string) string {
	return `
    SELECT provider, platform, account_id, region, function_name,
           countIfMerge(invocation_count) AS inv, countIfMerge(error_count) AS err,
           countIfMerge(timeout_count) AS tmo, countIfMerge(throttle_count) AS thr,
           countIfMerge(cold_start_count) AS cold, countIfMerge(init_count) AS ini
    FROM ` + table + `
    WHERE tenant = ? AND ` + timeColumn + ` >= ? AND ` + timeColumn + ` < ?
    GROUP BY provider, platform, account_id, region, function_name`
}

// rawCounts reads one range [?, ?) of raw rows for one tenant.
const rawCounts = `
    SELECT provider, platform, account_id, region, function_name,
           countIf(record_type = 'invocation') AS inv,
           countIf(record_type = 'invocation' AND outcome = 'error') AS err,
           countIf(record_type = 'invocation' AND outcome = 'timeout') AS tmo,
           countIf(record_type = 'throttle') AS thr,
           countIf(record_type = 'invocation' AND cold_start = 1) AS cold,
           countIf(record_type = 'init') AS ini
    FROM invocations
    WHERE tenant = ? AND ts >= ? AND ts < ?
    GROUP BY provider, platform, account_id, region, function_name`

// span is a half-open time range [From, To).
type span struct{ From, To time.Time }

// tiers splits [from, to) into the whole hours in the middle, the whole
// minutes around them, and the seconds at the ends. Empty pieces have
// From == To.
type tiers struct {
	hours                       span
	minutesBefore, minutesAfter span
	rawBefore, rawAfter         span
}

func splitRange(from, to time.Time) tiers {
	m0, m1 := ceilTo(from, time.Minute), to.Truncate(time.Minute)
	if !m0.Before(m1) { // no whole minute inside: all raw
		return tiers{rawBefore: span{from, to}, rawAfter: span{to, to}, hours: span{to, to},
			minutesBefore: span{to, to}, minutesAfter: span{to, to}}
	}
	h0, h1 := ceilTo(m0, time.Hour), m1.Truncate(time.Hour)
	if !h0.Before(h1) { // no whole hour inside: minutes only
		h0, h1 = m1, m1
	}
	return tiers{
		hours:         span{h0, h1},
		minutesBefore: span{m0, h0}, minutesAfter: span{h1, m1},
		rawBefore: span{from, m0}, rawAfter: span{m1, to},
	}
}

// ceilTo rounds t up to a multiple of d.
func ceilTo(t time.Time, d time.Duration) time.Time {
	if r := t.Truncate(d); r.Before(t) {
		return r.Add(d)
	}
	return t
}

func (r *Reader) counts(ctx context.Context, tenant string, from, to time.Time) (map[FunctionKey]*functionCounts, error) {
	p := splitRange(from, to)
	var args []any
	for _, piece := range []span{p.hours, p.minutesBefore, p.minutesAfter, p.rawBefore, p.rawAfter} {
		args = append(args, tenant, piece.From, piece.To)
	}
	rows, err := r.conn.Query(ctx, countsQuery, append(args, MaxFunctions+1)...)
	if err != nil {
		return nil, fmt.Errorf("cannot query function counts: %w", err)
	}
	defer rows.Close()
	out := map[FunctionKey]*functionCounts{}
	for rows.Next() {
		var c functionCounts
		k := &c.FunctionKey
		if err := rows.Scan(&k.Provider, &k.AccountID, &k.Region, &k.FunctionName, &c.Platform,
			&c.Invocations, &c.Errors, &c.Timeouts, &c.Throttles, &c.explicitCold, &c.inits); err != nil {
			return nil, fmt.Errorf("cannot scan function counts: %w", err)
		}
		out[c.FunctionKey] = &c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read function counts: %w", err)
	}
	return out, nil
}

// inferredQuery counts, per function, the instances whose first invocation
// starts in the range and that never carried an explicit cold-start flag.
const inferredQuery = `
SELECT provider, account_id, region, function_name, count()
FROM (
    SELECT provider, account_id, region, function_name, instance_id,
           minMerge(first_start_ns) AS first_ns, maxMerge(explicit_flag) AS flagged
    FROM instances
    WHERE tenant = ?
    GROUP BY provider, account_id, region, function_name, instance_id
)
WHERE first_ns >= ? AND first_ns < ? AND flagged = 0
GROUP BY provider, account_id, region, function_name
LIMIT ?`

func (r *Reader) inferredColdStarts(ctx context.Context, tenant string, from, to time.Time) (map[FunctionKey]uint64, error) {
	rows, err := r.conn.Query(ctx, inferredQuery, tenant, uint64(from.UnixNano()), uint64(to.UnixNano()), MaxFunctions+1)
	if err != nil {
		return nil, fmt.Errorf("cannot query inferred cold starts: %w", err)
	}
	defer rows.Close()
	out := map[FunctionKey]uint64{}
	for rows.Next() {
		var k FunctionKey
		var n uint64
		if err := rows.Scan(&k.Provider, &k.AccountID, &k.Region, &k.FunctionName, &n); err != nil {
			return nil, fmt.Errorf("cannot scan inferred cold starts: %w", err)
		}
		out[k] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read inferred cold starts: %w", err)
	}
	return out, nil
}

// assembleList combines counts and inferred cold starts, most invoked first.
func assembleList(byKey map[FunctionKey]*functionCounts, inferred map[FunctionKey]uint64) FunctionList {
	attributeOrphans(byKey)
	var list FunctionList
	for k, c := range byKey {
		c.ColdStarts = max(c.explicitCold+inferred[k], c.inits)
		list.Functions = append(list.Functions, c.FunctionSummary)
	}
	sort.Slice(list.Functions, func(i, j int) bool {
		a, b := list.Functions[i], list.Functions[j]
		if a.Invocations != b.Invocations {
			return a.Invocations > b.Invocations
		}
		return lessKey(a.FunctionKey, b.FunctionKey)
	})
	if len(list.Functions) > MaxFunctions {
		list.Functions, list.Truncated = list.Functions[:MaxFunctions], true
	}
	return list
}

// attributeOrphans moves throttles and init spans recorded without an
// account into the one function with the same provider, region and name that
// has an account. A caller's client span names the callee but often not its
// account (the caller's own account is on a span exported in another
// request), and the Lambda Telemetry API receiver's init spans carry no
// account at all (telemetry §2.5), while the function's own spans do. With
// several candidate accounts the rows stay as they are: guessing would
// misattribute them.
func attributeOrphans(byKey map[FunctionKey]*functionCounts) {
	for k, orphan := range byKey {
		if k.AccountID != "" || orphan.Invocations != 0 {
			continue
		}
		var target *functionCounts
		candidates := 0
		for k2, c := range byKey {
			if k2.AccountID != "" && k2.Provider == k.Provider && k2.Region == k.Region && k2.FunctionName == k.FunctionName {
				target, candidates = c, candidates+1
			}
		}
		if candidates == 1 {
			target.Throttles += orphan.Throttles
			target.inits += orphan.inits
			delete(byKey, k)
		}
	}
}

func lessKey(a, b FunctionKey) bool {
	if a.FunctionName != b.FunctionName {
		return a.FunctionName < b.FunctionName
	}
	if a.Provider != b.Provider {
		return a.Provider < b.Provider
	}
	if a.AccountID != b.AccountID {
		return a.AccountID < b.AccountID
	}
	return a.Region < b.Region
}
