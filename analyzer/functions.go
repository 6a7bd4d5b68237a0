package analyzer

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/faascope/faascope/billing"
)

// MaxFunctions bounds how many functions one list sorts and pages.
const MaxFunctions = 10_000

// Reader runs analyzer queries on one ClickHouse database.
type Reader struct {
	conn     driver.Conn
	timeout  time.Duration
	prices   *billing.Catalog
	freeTier billing.FreeTierPolicy
}

// NewReader returns a Reader whose queries give up after timeout, pricing
// with the embedded catalog and the free tier on for every account.
func NewReader(conn driver.Conn, timeout time.Duration) *Reader {
	return &Reader{conn: conn, timeout: timeout, prices: billing.DefaultCatalog(), freeTier: billing.FreeTierPolicy{Default: true}}
}

// SetPrices replaces the price catalog and the free-tier policy.
func (r *Reader) SetPrices(c *billing.Catalog, ft billing.FreeTierPolicy) {
	r.prices, r.freeTier = c, ft
}

// funcAgg is one function's usage before assembly.
type funcAgg struct {
	Usage
	platforms map[string]uint64 // rows per platform seen, invocations weighing most
	inferred  uint64
	cost      float64
}

// addRow adds a row's usage and notes its platform. The platform reported is
// the one of the most invocations: platform is not part of a function's
// identity, and a throttle seen from the caller may name another. Throttles
// only decide for a function that never ran.
func (a *funcAgg) addRow(row usageRow) {
	a.add(row.Usage)
	a.platforms[row.Platform] += row.Invocations<<24 + row.Throttles
}

// Functions lists the functions matching f, one page in the order asked.
// Counts are exact for any range at second resolution (see usage).
//
// Cold starts: invocations flagged cold (faas.coldstart or a platform report)
// plus inferred ones (instances first seen in the range, never flagged).
// Init spans from the Lambda Telemetry API describe the same cold starts as
// the invocations they precede, so they are not added: the larger of the
// two counts is reported, which covers functions whose spans carry neither a
// flag nor an instance id (Java) but do send init spans.
func (r *Reader) Functions(ctx context.Context, f Filter, o ListOptions) (FunctionList, error) {
	if err := f.Validate(); err != nil {
		return FunctionList{}, invalid("%v", err)
	}
	if err := o.validate(); err != nil {
		return FunctionList{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	f = f.truncated()
	ctx = withDayRecords(ctx, f)
	var aggs map[FunctionKey]*funcAgg
	var ps []piece // where the page's percentiles are read from: it depends on the range only
	err := concurrently(func() (err error) {
		aggs, err = r.functionAggs(ctx, f)
		return err
	}, func() (err error) {
		if !o.NoPercentiles {
			ps, err = r.quantilePieces(ctx, f, usageSpec{function: true})
		}
		return err
	})
	if err != nil {
		return FunctionList{}, err
	}
	list := page(summaries(aggs), o)
	if o.NoPercentiles {
		return list, nil
	}
	return list, r.addPercentiles(ctx, f, list.Functions, ps)
}

// functionAggs sums usage, inferred cold starts and list-price cost per function.
func (r *Reader) functionAggs(ctx context.Context, f Filter) (map[FunctionKey]*funcAgg, error) {
	rows, inferred, err := r.usageAndInferred(ctx, f, usageSpec{function: true, platform: true, timeKey: monthKey})
	if err != nil {
		return nil, err
	}
	costs, err := r.listPrice(rows)
	if err != nil {
		return nil, err
	}
	aggs := map[FunctionKey]*funcAgg{}
	for i, row := range rows {
		a := aggs[row.FunctionKey]
		if a == nil {
			a = &funcAgg{platforms: map[string]uint64{}}
			aggs[row.FunctionKey] = a
		}
		a.addRow(row)
		a.cost += costs[i]
	}
	for k, n := range inferred {
		if a := aggs[k.FunctionKey]; a != nil {
			a.inferred = n
		}
	}
	return aggs, nil
}

// summaries turns aggregates into list rows.
func summaries(aggs map[FunctionKey]*funcAgg) []FunctionSummary {
	out := make([]FunctionSummary, 0, len(aggs))
	for k, a := range aggs {
		out = append(out, summarize(k, a))
	}
	return out
}

func summarize(k FunctionKey, a *funcAgg) FunctionSummary {
	s := FunctionSummary{ID: k.ID(), FunctionKey: k, Platform: mainPlatform(a.platforms),
		Counts: countsOf(a.Usage, a.inferred), BilledGBs: billedGBs(a.BilledMBms), CostUSD: a.cost}
	s.DurationAvgMs = ratio(a.DurationMsSum, float64(a.Invocations))
	return s
}

// countsOf derives counts and rates; see Functions for the cold-start rule.
func countsOf(u Usage, inferred uint64) Counts {
	c := Counts{Invocations: u.Invocations, Errors: u.Errors, Timeouts: u.Timeouts, Throttles: u.Throttles,
		ColdStarts: max(u.ExplicitCold+inferred, u.Inits)}
	inv := float64(u.Invocations)
	c.ErrorRate, c.TimeoutRate = ratio(float64(c.Errors), inv), ratio(float64(c.Timeouts), inv)
	c.ColdStartRate = min(ratio(float64(c.ColdStarts), inv), 1)
	c.ThrottleRate = ratio(float64(c.Throttles), inv+float64(c.Throttles))
	return c
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// mainPlatform is the platform with the largest weight (see addRow).
func mainPlatform(seen map[string]uint64) string {
	best, n := "", uint64(0)
	for p, c := range seen {
		if c > n || (c == n && p < best) {
			best, n = p, c
		}
	}
	return best
}

// adoptOrphans gives throttles and init spans recorded without an account
// to the one function with the same provider, region and name that has an
// account. A caller's client span names the callee but often not its
// account (the caller's own account is on a span exported in another
// request), and the Lambda Telemetry API receiver's init spans carry no
// account at all (telemetry §2.5), while the function's own spans do. With
// several candidate accounts the rows stay as they are: guessing would
// misattribute them. An account-less key with invocations of its own is a
// function, not an orphan.
func adoptOrphans(rows []usageRow) {
	type name struct{ provider, region, function string }
	invoked := map[FunctionKey]bool{}
	accounts := map[name][]string{}
	for _, r := range rows {
		if r.Invocations > 0 {
			invoked[r.FunctionKey] = true
		}
		n := name{r.Provider, r.Region, r.FunctionName}
		if r.AccountID != "" && !slices.Contains(accounts[n], r.AccountID) {
			accounts[n] = append(accounts[n], r.AccountID)
		}
	}
	for i := range rows {
		r := &rows[i]
		if r.AccountID != "" || invoked[r.FunctionKey] {
			continue
		}
		if acc := accounts[name{r.Provider, r.Region, r.FunctionName}]; len(acc) == 1 {
			r.AccountID = acc[0]
		}
	}
}

func (o ListOptions) validate() error {
	switch {
	case o.Sort != "" && !slices.Contains(SortKeys, o.Sort):
		return invalid("sort: %q is not one of %v", o.Sort, SortKeys)
	case o.Limit < 0 || o.Limit > MaxPageSize:
		return invalid("limit: must be between 1 and %d", MaxPageSize)
	case o.Offset < 0:
		return invalid("offset: must be >= 0")
	}
	return nil
}

// page sorts the rows as asked (ties by identity, so pages are stable) and
// cuts one page.
func page(rows []FunctionSummary, o ListOptions) FunctionList {
	less := sortLess(o.Sort)
	sort.Slice(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		if c := less(a, b); c != 0 {
			return (c < 0) == o.Asc
		}
		return lessKey(a.FunctionKey, b.FunctionKey)
	})
	list := FunctionList{Total: len(rows)}
	if len(rows) > MaxFunctions {
		rows, list.Truncated = rows[:MaxFunctions], true
	}
	limit := o.Limit
	if limit == 0 {
		limit = DefaultPageSize
	}
	lo := min(o.Offset, len(rows))
	list.Functions = rows[lo:min(lo+limit, len(rows))]
	return list
}

// sortLess compares two rows by one sort key: negative when a sorts first
// in ascending order.
func sortLess(key string) func(a, b *FunctionSummary) int {
	num := func(v func(*FunctionSummary) float64) func(a, b *FunctionSummary) int {
		return func(a, b *FunctionSummary) int { return cmp.Compare(v(a), v(b)) }
	}
	switch key {
	case "function":
		return func(a, b *FunctionSummary) int { return cmp.Compare(a.FunctionName, b.FunctionName) }
	case "errors":
		return num(func(s *FunctionSummary) float64 { return float64(s.Errors) })
	case "error_rate":
		return num(func(s *FunctionSummary) float64 { return s.ErrorRate })
	case "timeouts":
		return num(func(s *FunctionSummary) float64 { return float64(s.Timeouts) })
	case "throttles":
		return num(func(s *FunctionSummary) float64 { return float64(s.Throttles) })
	case "throttle_rate":
		return num(func(s *FunctionSummary) float64 { return s.ThrottleRate })
	case "cold_starts":
		return num(func(s *FunctionSummary) float64 { return float64(s.ColdStarts) })
	case "cold_start_rate":
		return num(func(s *FunctionSummary) float64 { return s.ColdStartRate })
	case "duration_avg_ms":
		return num(func(s *FunctionSummary) float64 { return s.DurationAvgMs })
	case "billed_gb_s":
		return num(func(s *FunctionSummary) float64 { return s.BilledGBs })
	case "cost_usd":
		return num(func(s *FunctionSummary) float64 { return s.CostUSD })
	default:
		return num(func(s *FunctionSummary) float64 { return float64(s.Invocations) })
	}
}

// addPercentiles fills duration percentiles for one page of functions, read
// from ps (quantilePieces): the t-digest merge is the costly part of a list,
// so only shown rows pay it.
func (r *Reader) addPercentiles(ctx context.Context, f Filter, rows []FunctionSummary, ps []piece) error {
	if len(rows) == 0 {
		return nil
	}
	f.names = make([]string, 0, len(rows))
	for _, s := range rows {
		f.names = append(f.names, s.FunctionName)
	}
	spec := usageSpec{function: true}
	stats, err := r.quantilesOver(ctx, f, spec.ids(), spec, ps, true)
	if err != nil {
		return err
	}
	for i := range rows {
		d := stats[keyAt{FunctionKey: rows[i].FunctionKey}].Duration
		rows[i].DurationP50Ms, rows[i].DurationP95Ms, rows[i].DurationP99Ms = d.P50, d.P95, d.P99
	}
	return nil
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
