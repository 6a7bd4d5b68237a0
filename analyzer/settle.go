package analyzer

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Settling inferred cold starts. Counting them live groups every unflagged
// instance of the range, which grows with traffic (at 100M invocations it
// was the slowest part of the function list). A past day's count changes
// only when data for that day or the day before arrives late, so the
// coldstarts job counts each day once, and queries read those counts for
// the whole days of their range.
//
// A settled day D holds, per function, the instances with rows on D and
// none on D-1: the instances whose first start since the day before lies in
// D, which is what the live query counts for a range of whole days (an
// instance idle for more than a day would count again: providers reclaim
// idle instances within an hour). Each settlement records the tenant's
// records (invocations and init reports, which carry the latency states of
// windows.go) on D-1 and D (settled_days); a query trusts D only while both
// still hold those records, so late data is counted from instances until D
// is settled again, and counts stay exact.

const day = 24 * time.Hour

// SettleHorizon is how far back the coldstarts job settles days; older days
// are counted from instances when a range reaches them.
const SettleHorizon = 400 * day

// minSettledDays is the shortest run of settled days worth a query piece.
const minSettledDays = 2

// span is a run of whole days [from, to).
type span struct{ from, to time.Time }

func (s span) empty() bool { return !s.from.Before(s.to) }

// tenantDay keys a tenant's day, in unix seconds of its midnight (UTC).
type tenantDay struct {
	tenant string
	day    int64
}

func keyOfDay(tenant string, t time.Time) tenantDay { return tenantDay{tenant, t.Unix()} }

// dayPair is what a settlement of D saw: the records of D and of D-1.
type dayPair struct{ records, previous uint64 }

// pairAt is the tenant's day pair of d in the records per day.
func pairAt(records map[tenantDay]uint64, tenant string, d time.Time) dayPair {
	return dayPair{records[keyOfDay(tenant, d)], records[keyOfDay(tenant, d.Add(-day))]}
}

// settledSpan is the longest run of the days f's range touches (its first
// and last may be partial) whose settlement still matches the data; empty
// when there is none worth using. A settled day is counted over any part of
// it from the minutes of its cold starts (settledParts).
func (r *Reader) settledSpan(ctx context.Context, f Filter) (span, error) {
	days := span{f.From.UTC().Truncate(day), ceilTo(f.To.UTC(), day)}
	if days.to.Sub(days.from) < minSettledDays*day {
		return span{}, nil
	}
	var current map[tenantDay]uint64
	var marks map[tenantDay]dayPair
	err := concurrently(func() (err error) {
		current, err = r.dayRecords(ctx, f.Tenant, days.from.Add(-day), days.to)
		return err
	}, func() (err error) {
		marks, err = r.settlements(ctx, f.Tenant, days.from, days.to)
		return err
	})
	if err != nil {
		return span{}, err
	}
	var best, run span
	for d := days.from; d.Before(days.to); d = d.Add(day) {
		now := pairAt(current, f.Tenant, d)
		if m, ok := marks[keyOfDay(f.Tenant, d)]; (ok && m == now) || now == (dayPair{}) {
			if run.empty() {
				run.from = d
			}
			run.to = d.Add(day)
			if run.to.Sub(run.from) > best.to.Sub(best.from) {
				best = run
			}
			continue
		}
		run = span{}
	}
	if best.to.Sub(best.from) < minSettledDays*day {
		return span{}, nil
	}
	return best, nil
}

// dayRecords counts invocations and init reports per tenant and day in
// [from, to), for one tenant or ("") all (tenant_days). Records only ever
// get added (a duplicate is dropped at ingest), so an unchanged count is
// unchanged data. Within a request that shares its reads (withDayRecords),
// a range inside the shared one is answered from the one read; the map may
// hold days around the range.
func (r *Reader) dayRecords(ctx context.Context, tenant string, from, to time.Time) (map[tenantDay]uint64, error) {
	if m, ok := ctx.Value(dayRecordsKey{}).(*sharedDayRecords); ok && m.tenant == tenant && !from.Before(m.from) && !to.After(m.to) {
		m.once.Do(func() { m.records, m.err = r.readDayRecords(ctx, tenant, m.from, m.to) })
		return m.records, m.err
	}
	return r.readDayRecords(ctx, tenant, from, to)
}

// sharedDayRecords is one read of tenant_days for the checks of a request:
// the settled days and the settled windows of a range each check the
// records of its days, a day apart.
type sharedDayRecords struct {
	tenant   string
	from, to time.Time
	once     sync.Once
	records  map[tenantDay]uint64
	err      error
}

type dayRecordsKey struct{}

// withDayRecords lets the checks of a request over f's range share one
// read of the records of its days and the day before.
func withDayRecords(ctx context.Context, f Filter) context.Context {
	m := &sharedDayRecords{tenant: f.Tenant, from: f.From.UTC().Truncate(day).Add(-day), to: ceilTo(f.To.UTC(), day)}
	return context.WithValue(ctx, dayRecordsKey{}, m)
}

func (r *Reader) readDayRecords(ctx context.Context, tenant string, from, to time.Time) (map[tenantDay]uint64, error) {
	q := `SELECT tenant, day, sum(records) FROM tenant_days
WHERE (? = '' OR tenant = ?) AND day >= ? AND day < ? GROUP BY tenant, day LIMIT ?`
	out := map[tenantDay]uint64{}
	var t string
	var d time.Time
	var n uint64
	err := r.each(ctx, "records per day", q, []any{tenant, tenant, from, to, maxRows + 1},
		[]any{&t, &d, &n}, func() { out[keyOfDay(t, d)] = n })
	return out, err
}

// settlements reads the latest settlement of each day in [from, to).
func (r *Reader) settlements(ctx context.Context, tenant string, from, to time.Time) (map[tenantDay]dayPair, error) {
	q := `SELECT tenant, toDateTime(day, 'UTC'), argMax(invocations, version), argMax(previous, version)
FROM settled_days WHERE (? = '' OR tenant = ?) AND day >= toDate(?) AND day < toDate(?) GROUP BY tenant, day LIMIT ?`
	out := map[tenantDay]dayPair{}
	var t string
	var d time.Time
	var p dayPair
	err := r.each(ctx, "settled days", q, []any{tenant, tenant, from, to, maxRows + 1},
		[]any{&t, &d, &p.records, &p.previous}, func() { out[keyOfDay(t, d)] = p })
	return out, err
}

// Settler is the coldstarts job: it settles the days whose data changed
// since their last settlement, once the change has been quiet for a run.
// Waiting one run matters: an insert reaches tenant_days, instance_days and
// function_day through materialized views, one after the other, and a day
// counted between two of them would be recorded as matching data it has
// not counted.
type Settler struct {
	r    *Reader
	mu   sync.Mutex
	seen map[tenantDay]uint64 // records per tenant and day at the previous run
}

// NewSettler returns the job's state; the first run only observes.
func (r *Reader) NewSettler() *Settler { return &Settler{r: r} }

// Settled counts what a run of the coldstarts job settled.
type Settled struct{ Days, Windows int }

// Run settles every day within SettleHorizon before now's day whose
// records (or the day before's) differ from its settlement and did not
// change since the previous run, and builds the windows of latency states
// whose days did the same (windows.go).
func (s *Settler) Run(ctx context.Context, now time.Time) (Settled, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	today := now.UTC().Truncate(day)
	from := today.Add(-SettleHorizon)
	current, err := s.r.dayRecords(ctx, "", from.Add(-day), today)
	if err != nil {
		return Settled{}, err
	}
	marks, err := s.r.settlements(ctx, "", from, today)
	if err != nil {
		return Settled{}, err
	}
	seen := s.seen
	s.seen = current
	if seen == nil {
		return Settled{}, nil // nothing is known to be quiet yet
	}
	var done Settled
	tenants := tenantsOf(current)
	for d := from; d.Before(today); d = d.Add(day) {
		due := dueTenants(d, tenants, current, seen, marks)
		if len(due) == 0 {
			continue
		}
		if err := s.settle(ctx, d, due); err != nil {
			return done, err
		}
		done.Days++
	}
	done.Windows, err = s.settleWindows(ctx, from, today, tenants, current, seen)
	return done, err
}

// tenantsOf lists the tenants of records per day.
func tenantsOf(records map[tenantDay]uint64) map[string]bool {
	out := map[string]bool{}
	for k := range records {
		out[k.tenant] = true
	}
	return out
}

// dueTenants are the tenants whose day d changed since its settlement and
// has been quiet since the previous run, with what their settlement records.
// A tenant without records on d and d-1 has nothing to settle.
func dueTenants(d time.Time, tenants map[string]bool, current, seen map[tenantDay]uint64, marks map[tenantDay]dayPair) map[string]dayPair {
	due := map[string]dayPair{}
	for t := range tenants {
		now := pairAt(current, t, d)
		if now == (dayPair{}) || pairAt(seen, t, d) != now {
			continue
		}
		if m, ok := marks[keyOfDay(t, d)]; !ok || m != now {
			due[t] = now
		}
	}
	return due
}

// settle counts day d's inferred cold starts for every tenant, then records
// the settlement of the due tenants. Every function with instances on d or
// the day before gets a row, zero included, so a count that late data
// lowered replaces the old one.
func (s *Settler) settle(ctx context.Context, d time.Time, due map[string]dayPair) error {
	version := uint64(time.Now().UnixNano())
	q := `INSERT INTO inferred_cold_days (tenant, provider, account_id, region, function_name, day, cold_starts, first_minutes, version)
SELECT tenant, provider, account_id, region, function_name, toDate(?), length(minutes), minutes, ?
FROM (
    SELECT tenant, provider, account_id, region, function_name,
           groupArrayIf(toUInt16(intDiv(first_ns - ?, 60000000000)), first_ns >= ? AND flagged = 0) AS minutes
    FROM (
        SELECT tenant, provider, account_id, region, function_name, instance,
               minMerge(first_start_ns) AS first_ns, maxMerge(explicit_flag) AS flagged
        FROM instance_days
        WHERE day >= toDate(?) AND day <= toDate(?)
        GROUP BY tenant, provider, account_id, region, function_name, instance
    )
    GROUP BY tenant, provider, account_id, region, function_name
)`
	dayNs := uint64(d.UnixNano())
	if err := s.r.conn.Exec(ctx, q, d, version, dayNs, dayNs, d.Add(-day), d); err != nil {
		return fmt.Errorf("cannot settle the cold starts of %s: %w", d.Format(time.DateOnly), err)
	}
	batch, err := s.r.conn.PrepareBatch(ctx, "INSERT INTO settled_days (tenant, day, invocations, previous, version)")
	if err != nil {
		return fmt.Errorf("cannot record the settlement of %s: %w", d.Format(time.DateOnly), err)
	}
	for tenant, p := range due {
		if err := batch.Append(tenant, d, p.records, p.previous, version); err != nil {
			return fmt.Errorf("cannot record the settlement of %s: %w", d.Format(time.DateOnly), err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot record the settlement of %s: %w", d.Format(time.DateOnly), err)
	}
	return nil
}
