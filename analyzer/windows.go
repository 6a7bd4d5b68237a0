package analyzer

import (
	"context"
	"fmt"
	"time"
)

// Settled windows. A percentile over whole days merges one t-digest state
// per function and day (function_day); function_windows holds the merge of
// rolling windows of 7 and 28 days, one per length and start day, so a run
// of whole days merges a few windows and at most six single days. The
// coldstarts job builds a tenant's window once its days are quiet and
// records what the days held and the build's version (settled_windows); a
// query reads a window only while its days still hold that, and only the
// rows of that build: no FINAL, whose cost grows with the parts that
// rebuilds leave until they merge, and no row of a build that failed
// half-way.

// windowLengths are the window lengths in days.
var windowLengths = []int{28, 7}

// windowChunk bounds the windows of a length one INSERT builds: its GROUP
// BY holds a t-digest state per function and window.
const windowChunk = 7

// windowKey is a tenant's window: its length in days and its first day.
type windowKey struct {
	tenant string
	days   int
	start  int64 // unix seconds of its first midnight (UTC)
}

func keyOfWindow(tenant string, days int, start time.Time) windowKey {
	return windowKey{tenant, days, start.Unix()}
}

// windowRecords sums a tenant's records over the window of n days from s.
func windowRecords(records map[tenantDay]uint64, tenant string, n int, s time.Time) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		sum += records[keyOfDay(tenant, s.Add(time.Duration(i)*day))]
	}
	return sum
}

// windowMark is a window's latest settlement: the records its days held
// and the version of the rows built from them.
type windowMark struct{ records, version uint64 }

// windowMarks reads the latest settlement of each window starting in
// [from, to).
func (r *Reader) windowMarks(ctx context.Context, tenant string, from, to time.Time) (map[windowKey]windowMark, error) {
	q := `SELECT tenant, span_days, toDateTime(start_day, 'UTC'), argMax(records, version), max(version)
FROM settled_windows WHERE (? = '' OR tenant = ?) AND start_day >= toDate(?) AND start_day < toDate(?)
GROUP BY tenant, span_days, start_day LIMIT ?`
	out := map[windowKey]windowMark{}
	var t string
	var n uint8
	var d time.Time
	var m windowMark
	err := r.each(ctx, "settled windows", q, []any{tenant, tenant, from, to, maxRows + 1},
		[]any{&t, &n, &d, &m.records, &m.version}, func() { out[keyOfWindow(t, int(n), d)] = m })
	return out, err
}

// windowPieces covers f's range, whole days, with the fewest valid windows
// and single days (dynamic programming over the days). A window is valid
// while its days hold the records they held when it was built (its rows are
// read), or none (nothing is read).
func (r *Reader) windowPieces(ctx context.Context, f Filter) ([]piece, error) {
	n := int(f.To.Sub(f.From) / day)
	if n < windowLengths[len(windowLengths)-1] {
		return pieces(f.From, f.To, grainDay), nil
	}
	var current map[tenantDay]uint64
	var marks map[windowKey]windowMark
	err := concurrently(func() (err error) {
		current, err = r.dayRecords(ctx, f.Tenant, f.From, f.To)
		return err
	}, func() (err error) {
		marks, err = r.windowMarks(ctx, f.Tenant, f.From, f.To)
		return err
	})
	if err != nil {
		return nil, err
	}
	dayAt := func(i int) time.Time { return f.From.Add(time.Duration(i) * day) }
	cost, last := make([]int, n+1), make([]int, n+1) // last: length of the cover's last step
	pins := make([]uint64, n+1)                      // the version read for a window step; 0: none
	for i := 1; i <= n; i++ {
		cost[i], last[i] = cost[i-1]+1, 1
		for _, l := range windowLengths {
			if i < l || cost[i-l]+1 >= cost[i] {
				continue
			}
			held := windowRecords(current, f.Tenant, l, dayAt(i-l))
			if m, ok := marks[keyOfWindow(f.Tenant, l, dayAt(i-l))]; held == 0 || (ok && m.records == held) {
				cost[i], last[i], pins[i] = cost[i-l]+1, l, m.version
			}
		}
	}
	return coverPieces(last, pins, dayAt), nil
}

// coverPieces turns a cover (last[i]: the step ending at day i, pins[i] the
// version of its window) into pieces: one per run of single days, one per
// window length. Windows without data (version 0) are left out.
func coverPieces(last []int, pins []uint64, dayAt func(int) time.Time) []piece {
	var out []piece
	windows := map[int]*piece{}
	for i := len(last) - 1; i > 0; i -= last[i] {
		l := last[i]
		if l == 1 {
			if k := len(out) - 1; k >= 0 && out[k].level == grainDay && out[k].from.Equal(dayAt(i)) {
				out[k].from = dayAt(i - 1)
			} else {
				out = append(out, piece{level: grainDay, from: dayAt(i - 1), to: dayAt(i)})
			}
			continue
		}
		if pins[i] == 0 {
			continue
		}
		w := windows[l]
		if w == nil {
			w = &piece{level: grainWindow, to: dayAt(i - l).Add(time.Second), days: l}
			windows[l] = w
		}
		w.from = dayAt(i - l)
		w.pins = append(w.pins, windowPin{uint32(w.from.Unix()), pins[i]})
	}
	for _, l := range windowLengths {
		if w := windows[l]; w != nil {
			out = append(out, *w)
		}
	}
	return out
}

// settleWindows builds, per tenant, every complete window in [from, today)
// whose days changed since it was built and were quiet since the previous
// run, then records what the days held; current and seen are the records
// per tenant and day now and at the previous run. It returns the windows
// built. Each chunk is recorded as soon as it is built, so a run stopped by
// its timeout (the first run over a long history) keeps what it did.
func (s *Settler) settleWindows(ctx context.Context, from, today time.Time, tenants map[string]bool, current, seen map[tenantDay]uint64) (int, error) {
	marks, err := s.r.windowMarks(ctx, "", from, today)
	if err != nil {
		return 0, err
	}
	built := 0
	for t := range tenants {
		for _, l := range windowLengths {
			due := dueWindows(t, l, from, today, current, seen, marks)
			for len(due) > 0 {
				chunk := due[:min(windowChunk, len(due))]
				due = due[len(chunk):]
				if err := s.r.buildWindows(ctx, chunk); err != nil {
					return built, err
				}
				built += len(chunk)
			}
		}
	}
	return built, nil
}

// dueWindows are tenant t's complete windows of l days in [from, today)
// whose records changed since their settlement and did not change since
// the previous run, in order, with what their settlement records. A window
// without records has nothing to build.
func dueWindows(t string, l int, from, today time.Time, current, seen map[tenantDay]uint64, marks map[windowKey]windowMark) []settledWindow {
	var due []settledWindow
	for w := from; !w.Add(time.Duration(l) * day).After(today); w = w.Add(day) {
		now := windowRecords(current, t, l, w)
		m, ok := marks[keyOfWindow(t, l, w)]
		if now != 0 && windowRecords(seen, t, l, w) == now && (!ok || m.records != now) {
			due = append(due, settledWindow{t, l, w, now})
		}
	}
	return due
}

// settledWindow is a tenant's window with the records its days held.
type settledWindow struct {
	tenant  string
	days    int
	start   time.Time
	records uint64
}

// buildWindows writes the states of windows of one tenant and length
// (ascending starts) in one INSERT, then records their settlement with the
// version of the rows.
func (r *Reader) buildWindows(ctx context.Context, ws []settledWindow) error {
	first, last := ws[0], ws[len(ws)-1]
	q := fmt.Sprintf(`INSERT INTO function_windows (tenant, provider, platform, region, account_id, function_name,
    span_days, start_day, duration_max, duration_quantiles, init_quantiles, version)
SELECT tenant, provider, platform, region, account_id, function_name, toUInt8(%d),
       toDateTime(toUInt32(day) - i * 86400, 'UTC') AS start_day,
       maxIfMergeState(duration_max),
       quantilesTDigestIfMergeState(0.5, 0.9, 0.95, 0.99)(duration_quantiles),
       quantilesTDigestIfMergeState(0.5, 0.95, 0.99)(init_quantiles),
       ?
FROM function_day
ARRAY JOIN range(%d) AS i
WHERE tenant = ? AND day >= ? AND day < ? AND has(?, toUInt32(start_day))
GROUP BY tenant, provider, platform, region, account_id, function_name, start_day`, first.days, first.days)
	secs := make([]uint32, len(ws))
	for i, w := range ws {
		secs[i] = uint32(w.start.Unix())
	}
	version := uint64(time.Now().UnixNano())
	to := last.start.Add(time.Duration(first.days) * day)
	if err := r.conn.Exec(ctx, q, version, first.tenant, first.start, to, secs); err != nil {
		return fmt.Errorf("cannot build the %d-day windows from %s to %s: %w",
			first.days, first.start.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	return r.recordWindows(ctx, ws, version)
}

// recordWindows records the settlement of windows built with version.
func (r *Reader) recordWindows(ctx context.Context, windows []settledWindow, version uint64) error {
	batch, err := r.conn.PrepareBatch(ctx, "INSERT INTO settled_windows (tenant, span_days, start_day, records, version)")
	if err != nil {
		return fmt.Errorf("cannot record settled windows: %w", err)
	}
	for _, w := range windows {
		if err := batch.Append(w.tenant, uint8(w.days), w.start, w.records, version); err != nil {
			return fmt.Errorf("cannot record settled windows: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot record settled windows: %w", err)
	}
	return nil
}
