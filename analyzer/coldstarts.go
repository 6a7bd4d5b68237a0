package analyzer

import (
	"context"
	"fmt"
	"sort"
	"strconv"
)

// ColdStarts reports, for the functions with the most cold starts (at most
// limit), their rate, init quantiles, the latency a cold start adds and
// breakdowns by version, memory size, runtime and hour of day. Flagged cold
// starts and init spans come from the hour rollup; inferred ones are
// attributed to the version, memory and runtime of the instance's first
// invocation, read from raw rows for the shown functions that have any.
func (r *Reader) ColdStarts(ctx context.Context, f Filter, limit int) (ColdStartReport, error) {
	if err := f.Validate(); err != nil {
		return ColdStartReport{}, invalid("%v", err)
	}
	if limit <= 0 || limit > MaxPageSize {
		return ColdStartReport{}, invalid("limit: must be between 1 and %d", MaxPageSize)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	f = f.truncated()
	spec := usageSpec{function: true, version: true, runtime: true, latency: true, timeKey: hourOfDayKey, grain: grainHour}
	rows, totals, err := r.usageAndInferred(ctx, f, spec)
	if err != nil {
		return ColdStartReport{}, err
	}
	inferred := withoutTime(totals)
	report := rankColdStarts(rows, inferred, limit)
	return report, r.addColdStartDetail(ctx, f, rows, inferred, report.Functions)
}

// rankColdStarts keeps the limit functions with the most cold starts.
func rankColdStarts(rows []usageRow, inferred map[keyAt]uint64, limit int) ColdStartReport {
	totals := map[FunctionKey]*Usage{}
	for _, row := range rows {
		if totals[row.FunctionKey] == nil {
			totals[row.FunctionKey] = &Usage{}
		}
		totals[row.FunctionKey].add(row.Usage)
	}
	var out ColdStartReport
	for k, u := range totals {
		c := countsOf(*u, inferred[keyAt{FunctionKey: k}])
		if c.ColdStarts == 0 {
			continue
		}
		out.Functions = append(out.Functions, ColdStartFunction{ID: k.ID(), FunctionKey: k,
			Invocations: c.Invocations, ColdStarts: c.ColdStarts, ColdStartRate: c.ColdStartRate})
	}
	sort.Slice(out.Functions, func(i, j int) bool {
		a, b := out.Functions[i], out.Functions[j]
		if a.ColdStarts != b.ColdStarts {
			return a.ColdStarts > b.ColdStarts
		}
		return lessKey(a.FunctionKey, b.FunctionKey)
	})
	if len(out.Functions) > limit {
		out.Functions, out.Truncated = out.Functions[:limit], true
	}
	return out
}

// addColdStartDetail fills init quantiles, latencies and breakdowns of the
// ranked functions.
func (r *Reader) addColdStartDetail(ctx context.Context, f Filter, rows []usageRow, inferred map[keyAt]uint64, fns []ColdStartFunction) error {
	if len(fns) == 0 {
		return nil
	}
	f.names = make([]string, 0, len(fns))
	var withInferred []string
	for _, fn := range fns {
		f.names = append(f.names, fn.FunctionName)
		if inferred[keyAt{FunctionKey: fn.FunctionKey}] > 0 {
			withInferred = append(withInferred, fn.FunctionName)
		}
	}
	stats, err := r.quantiles(ctx, f, usageSpec{function: true})
	if err != nil {
		return err
	}
	var firsts []firstInvocation
	if len(withInferred) > 0 { // a raw scan: only for functions that need it
		f.names = withInferred
		if firsts, err = r.firstInvocations(ctx, f, hourOfDayKey); err != nil {
			return err
		}
	}
	for i := range fns {
		fn := &fns[i]
		fn.Init = stats[keyAt{FunctionKey: fn.FunctionKey}].Init
		fillBreakdowns(fn, rows, firsts)
	}
	return nil
}

// slice accumulates one breakdown entry.
type slice struct {
	Usage
	inferred    uint64
	inferredDur float64
}

func (s *slice) breakdown(key string) Breakdown {
	c := countsOf(s.Usage, s.inferred)
	return Breakdown{Key: key, Invocations: c.Invocations, ColdStarts: c.ColdStarts,
		ColdStartRate: c.ColdStartRate, InitAvgMs: ratio(s.InitMsSum, float64(s.InitMsCount))}
}

// fillBreakdowns splits one function's cold starts four ways and derives
// its latencies. Per slice, cold starts follow the rule of Functions:
// flagged plus inferred, or init spans when those are more.
func fillBreakdowns(fn *ColdStartFunction, rows []usageRow, firsts []firstInvocation) {
	var total slice
	by := [4]map[string]*slice{{}, {}, {}, {}}
	at := func(dim int, key string) *slice {
		if by[dim][key] == nil {
			by[dim][key] = &slice{}
		}
		return by[dim][key]
	}
	keys := func(version, runtime string, mem, hour uint32) [4]string {
		return [4]string{version, strconv.FormatUint(uint64(mem), 10), runtime, fmt.Sprintf("%02d", hour)}
	}
	for _, row := range rows {
		if row.FunctionKey != fn.FunctionKey {
			continue
		}
		total.add(row.Usage)
		for dim, key := range keys(row.Version, row.Runtime, row.MemoryMB, row.TimeKey) {
			at(dim, key).add(row.Usage)
		}
	}
	for _, fi := range firsts {
		if fi.FunctionKey != fn.FunctionKey {
			continue
		}
		total.inferred, total.inferredDur = total.inferred+fi.Count, total.inferredDur+fi.DurationMsSum
		for dim, key := range keys(fi.Version, fi.Runtime, fi.MemoryMB, fi.TimeKey) {
			at(dim, key).inferred += fi.Count
		}
	}
	fn.InitAvgMs = ratio(total.InitMsSum, float64(total.InitMsCount))
	fn.ColdDurationAvgMs, fn.WarmDurationAvgMs, fn.AddedLatencyMs = coldLatency(total.Usage,
		total.ExplicitCold+total.inferred, total.ColdDurationMsSum+total.inferredDur, fn.InitAvgMs)
	fn.ByVersion, fn.ByMemory, fn.ByRuntime = sortedSlices(by[0]), sortedSlices(by[1]), sortedSlices(by[2])
	fn.ByHour = make([]Breakdown, 24)
	for h := range fn.ByHour {
		key := fmt.Sprintf("%02d", h)
		s := by[3][key]
		if s == nil {
			s = &slice{}
		}
		fn.ByHour[h] = s.breakdown(key)
	}
}

// sortedSlices lists breakdown entries with the most cold starts first.
func sortedSlices(m map[string]*slice) []Breakdown {
	out := make([]Breakdown, 0, len(m))
	for k, s := range m {
		out = append(out, s.breakdown(k))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ColdStarts != out[j].ColdStarts {
			return out[i].ColdStarts > out[j].ColdStarts
		}
		return out[i].Key < out[j].Key
	})
	return out
}
