package analyzer

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/faascope/faascope/billing"
)

// Function describes one function over the filter's range: its summary,
// duration and init quantiles, the latency a cold start adds, the
// configurations it ran with and its list-price cost by line item.
// Orphan throttles and init spans (recorded without an account) join it as
// they do in the list.
func (r *Reader) Function(ctx context.Context, f Filter, k FunctionKey) (FunctionDetail, error) {
	if err := f.Validate(); err != nil {
		return FunctionDetail{}, invalid("%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	f = f.truncated()
	ctx = withDayRecords(ctx, f)
	// Percentiles do not depend on the rest: read them meanwhile. The
	// account-less rows of the same name are read too, so orphans can join.
	var stats map[keyAt]durationStats
	var rows []usageRow
	var inferred map[keyAt]uint64
	wide := f.ForFunction(k)
	wide.Account = ""
	err := concurrently(func() (err error) {
		stats, err = r.quantiles(ctx, f.ForFunction(k), usageSpec{function: true})
		return err
	}, func() (err error) {
		rows, inferred, err = r.usageAndInferred(ctx, wide, usageSpec{function: true, platform: true, version: true, runtime: true, latency: true, timeKey: monthKey})
		return err
	})
	if err != nil {
		return FunctionDetail{}, err
	}
	d, err := r.assembleDetail(k, rows, inferred[keyAt{FunctionKey: k}], f.To.Sub(f.From))
	if err != nil {
		return FunctionDetail{}, err
	}
	s := stats[keyAt{FunctionKey: k}]
	d.Duration, d.DurationMaxMs, d.Init = s.Duration, s.MaxMs, s.Init
	d.DurationP50Ms, d.DurationP95Ms, d.DurationP99Ms = s.Duration.P50, s.Duration.P95, s.Duration.P99
	return d, nil
}

// assembleDetail sums the function's rows (its adopted orphans included),
// prices them, lists its configurations and looks for a cheaper one.
// ErrNotFound when the function has no rows of its own.
func (r *Reader) assembleDetail(k FunctionKey, rows []usageRow, inferred uint64, span time.Duration) (FunctionDetail, error) {
	a := &funcAgg{platforms: map[string]uint64{}}
	var own []usageRow
	for _, row := range rows {
		if row.FunctionKey != k {
			continue // another account's function of the same name, or an orphan left alone
		}
		a.addRow(row)
		own = append(own, row)
	}
	if len(own) == 0 {
		return FunctionDetail{}, fmt.Errorf("%w: function %s has no rows in the range", ErrNotFound, k.ID())
	}
	a.inferred = inferred
	bill, err := r.prices.Price(usageLines(own), billing.FreeTierPolicy{})
	if err != nil {
		return FunctionDetail{}, fmt.Errorf("cannot price usage: %w", err)
	}
	for i := range own {
		a.cost += bill.Lines[i].Total
	}
	d := FunctionDetail{FunctionSummary: summarize(k, a), Configs: configsOf(own)}
	for _, l := range bill.Lines {
		d.CostItems = mergeItems(d.CostItems, l.Items)
	}
	d.InitAvgMs = ratio(a.InitMsSum, float64(a.InitMsCount))
	_, _, d.ColdStartAddedMs = coldLatency(a.Usage, a.ExplicitCold, a.ColdDurationMsSum, d.InitAvgMs)
	d.RightSize, err = r.rightSize(own, bill, span)
	return d, err
}

// coldLatency compares cold and warm invocations: average handler time of
// each, and what a cold start adds, its init phase plus the extra handler
// time (lazy loading, JIT). Without warm invocations to compare, the init
// phase alone.
func coldLatency(u Usage, coldN uint64, coldMsSum, initAvg float64) (cold, warm, added float64) {
	cold = ratio(coldMsSum, float64(coldN))
	if coldN == 0 || coldN >= u.Invocations {
		return cold, 0, initAvg
	}
	warm = (u.DurationMsSum - coldMsSum) / float64(u.Invocations-coldN)
	return cold, warm, initAvg + max(cold-warm, 0)
}

// configsOf lists the configurations a function ran with, most invoked first.
func configsOf(rows []usageRow) []FunctionConfig {
	type cfgKey struct {
		plan, arch       string
		mem              uint32
		version, runtime string
	}
	byKey := map[cfgKey]*FunctionConfig{}
	for _, row := range rows {
		if row.Invocations == 0 {
			continue // throttles and init rows say nothing of a configuration that ran
		}
		ck := cfgKey{row.Plan, row.Arch, row.MemoryMB, row.Version, row.Runtime}
		c := byKey[ck]
		if c == nil {
			c = &FunctionConfig{Plan: row.Plan, Architecture: row.Arch, MemoryMB: row.MemoryMB, Version: row.Version, Runtime: row.Runtime}
			byKey[ck] = c
		}
		c.Invocations += row.Invocations
		c.BilledGBs += billedGBs(row.BilledMBms)
	}
	out := make([]FunctionConfig, 0, len(byKey))
	for _, c := range byKey {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Invocations != out[j].Invocations {
			return out[i].Invocations > out[j].Invocations
		}
		return out[i].Version < out[j].Version
	})
	return out
}
