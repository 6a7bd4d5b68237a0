package analyzer

import (
	"context"
	"time"
)

// Series buckets the rows matching f by step (0: ChooseStep). The range is
// widened to whole buckets so every point covers a full step. Daily steps
// read the day rollups, hourly steps the hour rollups, shorter steps the
// minute rollup; percentiles of steps under an hour come from raw rows
// (their range is at most TargetPoints steps).
func (r *Reader) Series(ctx context.Context, f Filter, step time.Duration) (Series, error) {
	if err := f.Validate(); err != nil {
		return Series{}, invalid("%v", err)
	}
	if step == 0 {
		step = ChooseStep(f.To.Sub(f.From))
	}
	f = f.truncated()
	f.From, f.To = f.From.Truncate(step), ceilTo(f.To, step)
	if err := checkStep(step, f.To.Sub(f.From)); err != nil {
		return Series{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	spec := usageSpec{timeKey: stepKey(step), grain: grainFor(step)}
	rows, inferred, err := r.usageAndInferred(ctx, f, spec)
	if err != nil {
		return Series{}, err
	}
	costs, err := r.listPrice(rows)
	if err != nil {
		return Series{}, err
	}
	stats, err := r.quantiles(ctx, f, spec)
	if err != nil {
		return Series{}, err
	}
	return assembleSeries(f, step, rows, costs, inferred, stats), nil
}

// assembleSeries fills one point per bucket, empty buckets included, so
// charts need not guess about gaps.
func assembleSeries(f Filter, step time.Duration, rows []usageRow, costs []float64,
	inferred map[keyAt]uint64, stats map[keyAt]durationStats) Series {
	type bucket struct {
		Usage
		inferred uint64
		cost     float64
	}
	byTime := map[uint32]*bucket{}
	get := func(t uint32) *bucket {
		if byTime[t] == nil {
			byTime[t] = &bucket{}
		}
		return byTime[t]
	}
	for i, row := range rows {
		b := get(row.TimeKey)
		b.add(row.Usage)
		b.cost += costs[i]
	}
	for k, n := range inferred {
		get(k.TimeKey).inferred += n
	}
	s := Series{From: f.From, To: f.To, Step: step.String()}
	for t := f.From; t.Before(f.To); t = t.Add(step) {
		key := uint32(t.Unix())
		p := SeriesPoint{Time: t, DurationP95Ms: stats[keyAt{TimeKey: key}].Duration.P95}
		if b := byTime[key]; b != nil {
			p.Counts = countsOf(b.Usage, b.inferred)
			p.DurationAvgMs = ratio(b.DurationMsSum, float64(b.Invocations))
			p.BilledGBs, p.CostUSD = billedGBs(b.BilledMBms), b.cost
		}
		s.Points = append(s.Points, p)
	}
	return s
}

// grainFor is the coarsest level whose units fit a step's buckets.
func grainFor(step time.Duration) grain {
	switch {
	case step%(24*time.Hour) == 0:
		return grainDay
	case step%time.Hour == 0:
		return grainHour
	case step%time.Minute == 0:
		return grainMinute
	}
	return grainRaw
}
