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
// rewrites a day's complete windows before it records the day's settlement,
// and a query reads a window only when its seven days are validly settled
// (settledSpan): the window then holds exactly their data.

// week is the length of a window.
const week = 7 * day

// windowChunk bounds the windows one INSERT builds: its GROUP BY holds a
// t-digest state per function and window.
const windowChunk = 7

// windowsOf lists, in order and once each, the start days of the complete
// windows (ending by today) that hold one of days.
func windowsOf(days []time.Time, today time.Time) []time.Time {
	seen := map[time.Time]bool{}
	var out []time.Time
	for _, d := range days {
		for s := d.Add(-week + day); !s.After(d); s = s.Add(day) {
			if !s.Add(week).After(today) && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
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

// windowSpan is the longest run of whole windows at the start of the
// settled span s: [s.from, s.from+k weeks); empty under one week.
func windowSpan(s span) span {
	weeks := s.to.Sub(s.from) / week
	return span{s.from, s.from.Add(weeks * week)}
}
