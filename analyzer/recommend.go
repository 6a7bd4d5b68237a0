package analyzer

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/faascope/faascope/analyzer/keepwarm"
)

// KeepWarmWindow is the recommender's training window: 14 days, so each
// weekday and the weekend are seen twice (keepwarm.md §5.1).
const KeepWarmWindow = 14 * 24 * time.Hour

// MaxKeepWarmInvocations bounds the trace read for one function. A function
// busier than this (over 1.6 calls a second for 14 days) starts cold on a
// tiny share of its calls; its recommendation is made from the first calls.
const MaxKeepWarmInvocations = 2_000_000

// traceQuery reads one function's invocations, from the lookback before the
// window on so that inference knows which instances already ran.
const traceQuery = `
SELECT toUInt64(ts) * 1000000000 + ts_ns AS t, duration_ms, init_duration_ms, cold_start,
       cold_start_source != 'unknown' AS flagged, instance_id, function_version,
       platform, billing_plan, runtime, architecture, memory_mb, trigger_type
FROM invocations
WHERE tenant = ? AND provider = ? AND account_id = ? AND region = ? AND function_name = ?
  AND record_type = 'invocation' AND ts >= ? AND ts < ?
ORDER BY t
LIMIT ?`

// KeepWarmInput reads one function's trace over [from, to) as the
// recommender takes it. Cold is the explicit flag, or for instances that
// send none, their first invocation (the rule of Functions).
func (r *Reader) KeepWarmInput(ctx context.Context, tenant string, k FunctionKey, from, to time.Time) (keepwarm.Function, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	var fn keepwarm.Function
	var row traceRow
	seen := map[string]bool{}
	dest := []any{&row.ns, &row.durationMs, &row.initMs, &row.cold, &row.flagged, &row.instance, &row.version,
		&fn.Platform, &fn.Plan, &fn.Runtime, &fn.Arch, &fn.MemoryMB, &fn.Trigger}
	err := r.each(ctx, "function trace", traceQuery,
		[]any{tenant, k.Provider, k.AccountID, k.Region, k.FunctionName, from.Add(-InstanceLookback), to, MaxKeepWarmInvocations},
		dest, func() {
			inferred := row.flagged == 0 && row.instance != "" && !seen[row.instance]
			seen[row.instance] = true
			if t := time.Unix(0, int64(row.ns)).UTC(); !t.Before(from) {
				fn.Invocations = append(fn.Invocations, row.invocation(t, inferred))
			}
		})
	fn.Provider, fn.Region = k.Provider, k.Region
	return fn, err
}

// traceRow is one scanned invocation.
type traceRow struct {
	ns                uint64
	durationMs        float64
	initMs            float64
	cold, flagged     uint8
	instance, version string
}

func (t traceRow) invocation(start time.Time, inferred bool) keepwarm.Invocation {
	return keepwarm.Invocation{
		Start: start, Duration: msDuration(t.durationMs), Init: msDuration(t.initMs),
		Cold: t.cold == 1 || inferred, Instance: t.instance, Version: t.version,
	}
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// FunctionRecommendation is one function's keep-warm recommendation.
type FunctionRecommendation struct {
	ID string `json:"id"`
	FunctionKey
	Tenant         string                  `json:"-"`
	RunID          string                  `json:"run_id"`
	Created        time.Time               `json:"created"`
	Recommendation keepwarm.Recommendation `json:"recommendation"`
}

// RecommendAll recommends for every function of every tenant with traffic
// in the training window ending at now, most invoked first. A function that
// fails is reported in errs and skipped: one bad trace must not stop the run.
func (r *Reader) RecommendAll(ctx context.Context, runID string, now time.Time, p keepwarm.Params) (recs []FunctionRecommendation, errs []error, err error) {
	from := now.Add(-KeepWarmWindow)
	tenants, err := r.tenants(ctx, from, now)
	if err != nil {
		return nil, nil, err
	}
	for _, tenant := range tenants {
		keys, err := r.ranFunctions(ctx, Filter{Tenant: tenant, From: from, To: now})
		if err != nil {
			return recs, errs, err
		}
		for _, k := range keys {
			rec, err := r.recommendOne(ctx, tenant, k, from, now, p)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", k.ID(), err))
				continue
			}
			rec.RunID, rec.Created = runID, now
			recs = append(recs, rec)
		}
	}
	return recs, errs, nil
}

// ranFunctions lists the functions that ran in the range (throttled-only
// ones have nothing to keep warm), most invoked first, at most MaxFunctions.
// One usage query: the keys are all the recommender needs.
func (r *Reader) ranFunctions(ctx context.Context, f Filter) ([]FunctionKey, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	rows, err := r.usage(ctx, f.truncated(), usageSpec{function: true})
	if err != nil {
		return nil, err
	}
	invocations := map[FunctionKey]uint64{}
	for _, row := range rows {
		invocations[row.FunctionKey] += row.Invocations
	}
	var keys []FunctionKey
	for k, n := range invocations {
		if n > 0 {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if a, b := invocations[keys[i]], invocations[keys[j]]; a != b {
			return a > b
		}
		return lessKey(keys[i], keys[j])
	})
	return keys[:min(len(keys), MaxFunctions)], nil
}

func (r *Reader) recommendOne(ctx context.Context, tenant string, k FunctionKey, from, to time.Time, p keepwarm.Params) (FunctionRecommendation, error) {
	fn, err := r.KeepWarmInput(ctx, tenant, k, from, to)
	if err != nil {
		return FunctionRecommendation{}, err
	}
	rec, err := keepwarm.Recommend(fn, from, to, r.prices, p)
	if err != nil {
		return FunctionRecommendation{}, fmt.Errorf("cannot recommend: %w", err)
	}
	return FunctionRecommendation{ID: k.ID(), FunctionKey: k, Tenant: tenant, Recommendation: rec}, nil
}

// Replay compares keep-warm policies for one function: it trains on the
// first train days of the window ending at now and replays the rest.
func (r *Reader) Replay(ctx context.Context, tenant string, k FunctionKey, now time.Time, window, train time.Duration, p keepwarm.Params) ([]keepwarm.PolicyResult, keepwarm.Recommendation, error) {
	if train <= 0 || train >= window {
		return nil, keepwarm.Recommendation{}, invalid("train must be shorter than the window, got %s of %s", train, window)
	}
	from := now.Add(-window)
	fn, err := r.KeepWarmInput(ctx, tenant, k, from, now)
	if err != nil {
		return nil, keepwarm.Recommendation{}, err
	}
	if len(fn.Invocations) == 0 {
		return nil, keepwarm.Recommendation{}, fmt.Errorf("%w: function %s has no invocations in the window", ErrNotFound, k.ID())
	}
	return keepwarm.Compare(fn, from, from.Add(train), now, r.prices, p)
}

// tenants lists the tenants with usage in [from, to).
func (r *Reader) tenants(ctx context.Context, from, to time.Time) ([]string, error) {
	var out []string
	var t string
	err := r.each(ctx, "tenants", `SELECT DISTINCT tenant FROM function_usage_day WHERE day >= ? AND day < ?`,
		[]any{from.Truncate(24 * time.Hour), to}, []any{&t}, func() { out = append(out, t) })
	sort.Strings(out)
	return out, err
}
