package keepwarm

import (
	"time"
)

// burstFit summarises session-start bursts (§5.3f).
type burstFit struct {
	sessions int
	p50, p95 int // p95 is k_burst, the instances that must be warm at session start
}

// sessionBursts measures, for each session start in an active hour (the
// first call after a gap ≥ T_safe), the peak concurrency within
// init_p50 + duration_p50 + 1 s: how many instances the session needs before
// any of them can be reused.
func sessionBursts(calls []call, origin time.Time, loc *time.Location, active *slots, safe, window time.Duration) burstFit {
	var sizes []int
	for i := range calls {
		if calls[i].gap < safe || !active.has(origin.Add(calls[i].at).In(loc)) {
			continue
		}
		size := 1
		for j := i + 1; j < len(calls) && calls[j].at-calls[i].at <= window; j++ {
			size = max(size, calls[j].inFlight+1)
		}
		sizes = append(sizes, size)
	}
	if len(sizes) == 0 {
		return burstFit{p50: 1, p95: 1}
	}
	return burstFit{sessions: len(sizes), p50: quantileInt(sizes, 0.5), p95: quantileInt(sizes, 0.95)}
}

// has reports whether local time t falls in the set.
func (s *slots) has(t time.Time) bool { return s[t.Weekday()][t.Hour()] }
