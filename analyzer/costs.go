package analyzer

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/faascope/faascope/billing"
)

// Costs are computed at query time from billed MB-ms and request counts
// with the catalog's prices (ARCHITECTURE.md), so a price correction
// re-prices history without re-ingesting.

// usageLines turns usage rows into billing lines keyed by function ID.
// timeKey must be a month (YYYYMM) or a day (YYYYMMDD) key.
func usageLines(rows []usageRow) []billing.UsageLine {
	lines := make([]billing.UsageLine, len(rows))
	for i, r := range rows {
		plan := billing.Plan(r.Plan)
		if plan == "" {
			plan = billing.DefaultPlan(r.Provider, r.Platform)
		}
		lines[i] = billing.UsageLine{
			Key: r.ID(), Account: r.AccountID, Provider: r.Provider, Plan: plan, Region: r.Region,
			Arch: r.Arch, MemoryMB: r.MemoryMB, Month: monthOfKey(r.TimeKey), Requests: r.Invocations,
			BilledMBms: r.BilledMBms, InitMBms: r.InitBilledMBms, BilledMs: r.BilledMs,
		}
	}
	return lines
}

// monthOfKey reads a YYYYMM or YYYYMMDD time key as the first instant of its month.
func monthOfKey(k uint32) time.Time {
	if k > 999999 {
		k /= 100
	}
	return time.Date(int(k/100), time.Month(k%100), 1, 0, 0, 0, 0, time.UTC)
}

// listPrice prices each row on its own terms: list rates, no free tier
// (an account-month allowance that no range of a function owns).
func (r *Reader) listPrice(rows []usageRow) ([]float64, error) {
	bill, err := r.prices.Price(usageLines(rows), billing.FreeTierPolicy{})
	if err != nil {
		return nil, fmt.Errorf("cannot price usage: %w", err)
	}
	out := make([]float64, len(rows))
	for i, l := range bill.Lines {
		out[i] = l.Total
	}
	return out, nil
}

// Costs prices one month (or a part of one) with free tiers and volume
// tiers applied per account as the provider bills them, then groups the
// functions matching the filter. Allowances depend on everything an
// account ran, so the whole tenant's usage in the range is priced and the
// filter picks lines afterwards: narrowing to one function shows its share
// of the account's free tier, not the whole allowance.
func (r *Reader) Costs(ctx context.Context, q CostQuery) (CostReport, error) {
	if err := q.validate(); err != nil {
		return CostReport{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	f := q.Filter.truncated()
	lines, bill, err := r.priceTenant(ctx, f)
	if err != nil {
		return CostReport{}, err
	}
	keep, err := lineMatcher(f)
	if err != nil {
		return CostReport{}, err
	}
	rep := CostReport{From: f.From, To: f.To, GroupBy: q.groupBy(), Currency: bill.Currency}
	groups := map[string]*CostGroup{}
	for i, row := range lines {
		if !keep(row) {
			continue
		}
		g := groups[groupKey(rep.GroupBy, row.FunctionKey)]
		if g == nil {
			g = newGroup(rep.GroupBy, row.FunctionKey)
			groups[g.Key] = g
		}
		g.Requests += row.Invocations
		g.BilledGBs += billedGBs(row.BilledMBms)
		g.Items = mergeItems(g.Items, bill.Lines[i].Items)
		g.CostUSD += bill.Lines[i].Total
		rep.TotalUSD += bill.Lines[i].Total
	}
	rep.Groups = byCost(groups, func(g *CostGroup) float64 { return g.CostUSD })
	return rep, nil
}

func (q CostQuery) groupBy() string {
	if q.GroupBy == "" {
		return "function"
	}
	return q.GroupBy
}

func (q CostQuery) validate() error {
	if err := q.Filter.Validate(); err != nil {
		return invalid("%v", err)
	}
	if !slices.Contains(CostGroupBy, q.groupBy()) {
		return invalid("group_by: %q is not one of %v", q.GroupBy, CostGroupBy)
	}
	from, last := q.From.UTC(), q.To.UTC().Add(-time.Second)
	if from.Year() != last.Year() || from.Month() != last.Month() {
		return invalid("range %s to %s spans more than one month: costs are billed per calendar month",
			q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	return nil
}

// priceTenant prices all usage of the filter's tenant (and account, whose
// allowance is its own) in the range.
func (r *Reader) priceTenant(ctx context.Context, f Filter) ([]usageRow, billing.Bill, error) {
	rows, err := r.usage(ctx, f.billedWith(), usageSpec{function: true, platform: true, version: true, timeKey: monthKey})
	if err != nil {
		return nil, billing.Bill{}, err
	}
	bill, err := r.prices.Price(usageLines(rows), r.freeTier)
	if err != nil {
		return nil, billing.Bill{}, fmt.Errorf("cannot price usage: %w", err)
	}
	return rows, bill, nil
}

// billedWith widens f to all usage billed together with what it selects:
// free tiers and volume tiers are per account, so only the tenant, provider
// and account narrow what is priced; the rest of f picks lines afterwards.
func (f Filter) billedWith() Filter {
	return Filter{Tenant: f.Tenant, From: f.From, To: f.To, Provider: f.Provider, Account: f.Account}
}

// lineMatcher applies the filter's identity conditions in Go, the same way
// Filter.where does in SQL.
func lineMatcher(f Filter) (func(usageRow) bool, error) {
	var nameRe *regexp.Regexp
	if f.Function != "" {
		expr := "^" + regexp.QuoteMeta(unescapeGlob(f.Function)) + "$"
		if isGlob(f.Function) {
			expr = globRegexp(f.Function)
		}
		var err error
		if nameRe, err = regexp.Compile(expr); err != nil {
			return nil, invalid("function: %v", err)
		}
	}
	eq := func(want, got string) bool { return want == "" || want == got }
	return func(u usageRow) bool {
		return eq(f.Provider, u.Provider) && eq(f.Platform, u.Platform) && eq(f.Region, u.Region) &&
			eq(f.Account, u.AccountID) && eq(f.Version, u.Version) &&
			(nameRe == nil || nameRe.MatchString(u.FunctionName))
	}, nil
}

func groupKey(by string, k FunctionKey) string {
	switch by {
	case "account":
		return k.Provider + ":" + k.AccountID
	case "provider":
		return k.Provider
	case "region":
		return k.Provider + ":" + k.Region
	}
	return k.ID()
}

func newGroup(by string, k FunctionKey) *CostGroup {
	g := &CostGroup{Key: groupKey(by, k), Provider: k.Provider}
	switch by {
	case "function":
		g.AccountID, g.Region, g.FunctionName = k.AccountID, k.Region, k.FunctionName
	case "account":
		g.AccountID = k.AccountID
	case "region":
		g.Region = k.Region
	}
	return g
}

// mergeItems adds line items into a group's items, one per kind and unit;
// the rate shown is the effective one, cost over billable quantity.
func mergeItems(into, add []billing.LineItem) []billing.LineItem {
	for _, it := range add {
		i := slices.IndexFunc(into, func(x billing.LineItem) bool { return x.Kind == it.Kind && x.Unit == it.Unit })
		if i < 0 {
			into = append(into, it)
			continue
		}
		x := &into[i]
		x.Quantity += it.Quantity
		x.FreeQuantity += it.FreeQuantity
		x.Cost += it.Cost
		x.Rate = ratio(x.Cost, x.Quantity-x.FreeQuantity)
	}
	return into
}

// byCost lists a map's values by cost, most expensive first, ties by key.
func byCost[T any](m map[string]*T, cost func(*T) float64) []T {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if a, b := cost(m[keys[i]]), cost(m[keys[j]]); a != b {
			return a > b
		}
		return keys[i] < keys[j]
	})
	out := make([]T, len(keys))
	for i, k := range keys {
		out[i] = *m[k]
	}
	return out
}
