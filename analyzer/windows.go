package analyzer

import (
	"context"
	"fmt"
	"time"
)

// Settled weeks. A percentile over whole days merges one t-digest state per
// function and day (function_day); function_week holds the merge of each
// rolling 7-day window, one per start day, so a run of whole days reads
// consecutive windows and at most six single days. The coldstarts job
// builds a window once its days are quiet and records what the days held
// (settled_weeks); a query reads a window only while its days still hold
// that, so the answer is the one the day states give.

// week is the length of a window.
const week = 7 * day

// windowChunk bounds the windows one INSERT builds: its GROUP BY holds a
// t-digest state per function and window.
const windowChunk = 7

// weekRecords sums a tenant's records over the window starting on s.
func weekRecords(records map[tenantDay]uint64, tenant string, s time.Time) uint64 {
	var n uint64
	for d := s; d.Before(s.Add(week)); d = d.Add(day) {
		n += records[keyOfDay(tenant, d)]
	}
	return n
}

// windowMarks reads the latest settlement of each window starting in
// [from, to): the records its days held when it was built.
func (r *Reader) windowMarks(ctx context.Context, tenant string, from, to time.Time) (map[tenantDay]uint64, error) {
	q := `SELECT tenant, toDateTime(start_day, 'UTC'), argMax(records, version)
FROM settled_weeks WHERE (? = '' OR tenant = ?) AND start_day >= toDate(?) AND start_day < toDate(?)
GROUP BY tenant, start_day LIMIT ?`
	out := map[tenantDay]uint64{}
	var t string
	var d time.Time
	var n uint64
	err := r.each(ctx, "settled weeks", q, []any{tenant, tenant, from, to, maxRows + 1},
		[]any{&t, &d, &n}, func() { out[keyOfDay(t, d)] = n })
	return out, err
}

// windowSpan is the longest run of consecutive valid windows of f's whole
// days (f's range is whole days): [first start, last start + 7 days), empty
// when no window is valid. A window is valid when its days hold the records
// they held when it was built, or none.
func (r *Reader) windowSpan(ctx context.Context, f Filter) (span, error) {
	if f.To.Sub(f.From) < week {
		return span{}, nil
	}
	current, err := r.dayRecords(ctx, f.Tenant, f.From, f.To)
	if err != nil {
		return span{}, err
	}
	marks, err := r.windowMarks(ctx, f.Tenant, f.From, f.To.Add(-week+day))
	if err != nil {
		return span{}, err
	}
	valid := func(s time.Time) bool {
		n := weekRecords(current, f.Tenant, s)
		m, ok := marks[keyOfDay(f.Tenant, s)]
		return n == 0 || (ok && m == n)
	}
	var best span
	for first := f.From; first.Before(f.From.Add(week)); first = first.Add(day) {
		run := span{first, first}
		for s := first; !s.Add(week).After(f.To); s = s.Add(week) {
			if !valid(s) {
				run = span{s.Add(week), s.Add(week)}
				continue
			}
			run.to = s.Add(week)
			if run.to.Sub(run.from) > best.to.Sub(best.from) {
				best = run
			}
		}
	}
	return best, nil
}

// settleWindows builds every complete window in [from, today) whose days
// changed since it was built and were quiet since the previous run, then
// records what the days held; current and seen are the records per tenant
// and day now and at the previous run. It returns the windows built.
func (s *Settler) settleWindows(ctx context.Context, from, today time.Time, current, seen map[tenantDay]uint64) (int, error) {
	marks, err := s.r.windowMarks(ctx, "", from, today)
	if err != nil {
		return 0, err
	}
	tenants := tenantsOf(current)
	var starts []time.Time
	var due []settledWeek
	for w := from; !w.Add(week).After(today); w = w.Add(day) {
		n := len(due)
		for t := range tenants {
			now := weekRecords(current, t, w)
			if m, ok := marks[keyOfDay(t, w)]; now != 0 && weekRecords(seen, t, w) == now && (!ok || m != now) {
				due = append(due, settledWeek{t, w, now})
			}
		}
		if len(due) > n {
			starts = append(starts, w)
		}
	}
	if err := s.r.buildWindows(ctx, starts); err != nil {
		return 0, err
	}
	return len(starts), s.r.recordWindows(ctx, due)
}

// settledWeek is a tenant's window with the records its days held.
type settledWeek struct {
	tenant  string
	start   time.Time
	records uint64
}

// buildWindows rewrites the windows starting on starts (ascending) for
// every tenant, a chunk at a time.
func (r *Reader) buildWindows(ctx context.Context, starts []time.Time) error {
	q := `INSERT INTO function_week (tenant, provider, platform, region, account_id, function_name, start_day,
    duration_max, duration_quantiles, init_quantiles, version)
SELECT tenant, provider, platform, region, account_id, function_name,
       toDateTime(toUInt32(day) - i * 86400, 'UTC') AS start_day,
       maxIfMergeState(duration_max),
       quantilesTDigestIfMergeState(0.5, 0.9, 0.95, 0.99)(duration_quantiles),
       quantilesTDigestIfMergeState(0.5, 0.95, 0.99)(init_quantiles),
       ?
FROM function_day
ARRAY JOIN range(7) AS i
WHERE day >= ? AND day < ? AND has(?, toUInt32(start_day))
GROUP BY tenant, provider, platform, region, account_id, function_name, start_day`
	version := uint64(time.Now().UnixNano())
	for len(starts) > 0 {
		chunk := starts[:min(windowChunk, len(starts))]
		starts = starts[len(chunk):]
		secs := make([]uint32, len(chunk))
		for i, s := range chunk {
			secs[i] = uint32(s.Unix())
		}
		from, to := chunk[0], chunk[len(chunk)-1].Add(week)
		if err := r.conn.Exec(ctx, q, version, from, to, secs); err != nil {
			return fmt.Errorf("cannot build the windows from %s to %s: %w",
				from.Format(time.DateOnly), to.Format(time.DateOnly), err)
		}
	}
	return nil
}

// recordWindows records the settlement of built windows.
func (r *Reader) recordWindows(ctx context.Context, weeks []settledWeek) error {
	if len(weeks) == 0 {
		return nil
	}
	batch, err := r.conn.PrepareBatch(ctx, "INSERT INTO settled_weeks (tenant, start_day, records, version)")
	if err != nil {
		return fmt.Errorf("cannot record settled weeks: %w", err)
	}
	version := uint64(time.Now().UnixNano())
	for _, w := range weeks {
		if err := batch.Append(w.tenant, w.start, w.records, version); err != nil {
			return fmt.Errorf("cannot record settled weeks: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot record settled weeks: %w", err)
	}
	return nil
}
