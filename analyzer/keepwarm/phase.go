package keepwarm

import (
	"math"
	"time"
)

// Phase detection constants (§5.3e).
const (
	phaseWindow   = 2 * time.Minute // calls within ±2 min of the phase are on it
	phaseShareMin = 0.8
	phaseMinCalls = 10
)

// phaseFit is a periodic call time.
type phaseFit struct {
	periodic bool
	period   time.Duration // 1 h or 24 h
	phase    time.Duration // within the period, owner's clock
	share    float64
	jitter   time.Duration // p95 distance from the phase
}

// detectPhase looks for a minute of the hour, then a minute of the day, that
// holds ≥ 80 % of the calls within ±2 min. A periodic function whose calls
// come more often than the instance lives keeps itself warm, so it only
// counts as periodic when the median gap exceeds T_evict.
func detectPhase(calls []call, origin time.Time, loc *time.Location, evict time.Duration) phaseFit {
	if len(calls) < phaseMinCalls || medianGap(calls) <= evict {
		return phaseFit{}
	}
	for _, period := range []time.Duration{time.Hour, 24 * time.Hour} {
		pos := make([]time.Duration, len(calls))
		for i := range calls {
			pos[i] = clockPosition(origin.Add(calls[i].at).In(loc), period)
		}
		if f := fitPhase(pos, period); f.share >= phaseShareMin {
			f.periodic = true
			return f
		}
	}
	return phaseFit{}
}

// clockPosition is t's offset into its clock hour or clock day.
func clockPosition(t time.Time, period time.Duration) time.Duration {
	d := time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
	if period == 24*time.Hour {
		d += time.Duration(t.Hour()) * time.Hour
	}
	return d
}

// fitPhase finds the 1-minute bin whose ±2 min neighbourhood (circular)
// holds the most positions, then refines the phase to the mean offset of
// those positions.
func fitPhase(pos []time.Duration, period time.Duration) phaseFit {
	bins := int(period / time.Minute)
	count := make([]int, bins)
	for _, p := range pos {
		count[int(p/time.Minute)]++
	}
	best, bestN := 0, -1
	for b := range bins {
		n := 0
		for d := -2; d <= 2; d++ {
			n += count[(b+d+bins)%bins]
		}
		if n > bestN {
			best, bestN = b, n
		}
	}
	center := time.Duration(best)*time.Minute + time.Minute/2
	var devs []time.Duration
	var sum time.Duration
	for _, p := range pos {
		if d := wrap(p-center, period); d.Abs() <= phaseWindow+time.Minute/2 {
			devs = append(devs, d)
			sum += d
		}
	}
	f := phaseFit{period: period, share: float64(len(devs)) / float64(len(pos))}
	if len(devs) == 0 {
		return f
	}
	f.phase = (center + sum/time.Duration(len(devs)) + period) % period
	for i, d := range devs {
		devs[i] = (d - sum/time.Duration(len(devs))).Abs()
	}
	f.jitter = quantileDur(devs, 0.95)
	return f
}

// wrap maps d into (-period/2, period/2].
func wrap(d, period time.Duration) time.Duration {
	d = time.Duration(math.Mod(float64(d), float64(period)))
	if d > period/2 {
		d -= period
	} else if d <= -period/2 {
		d += period
	}
	return d
}

func medianGap(calls []call) time.Duration {
	gaps := make([]time.Duration, 0, len(calls))
	for i := 1; i < len(calls); i++ {
		gaps = append(gaps, calls[i].at-calls[i-1].at)
	}
	return quantileDur(gaps, 0.5)
}

// pingOffset is where in the call's clock hour a phase ping fires: the
// phase minus the lead, on a whole minute since crons have no seconds. The
// lead covers the ping's own init and twice the jitter, and is at least
// PingLead; ok is false when it cannot stay below T_safe, the gap after
// which the pinged instance is no longer reliably warm.
func pingOffset(f phaseFit, initP50 time.Duration, safe time.Duration, p *Params) (offset time.Duration, ok bool) {
	lead := max(p.PingLead, 2*f.jitter, initP50+p.PingHold+time.Minute)
	inHour := f.phase % time.Hour
	offset = floorMinute(inHour - lead)
	return offset, inHour-offset < safe
}

// floorMinute rounds d down to a whole minute, towards -∞.
func floorMinute(d time.Duration) time.Duration {
	m := d / time.Minute
	if d < 0 && d%time.Minute != 0 {
		m--
	}
	return m * time.Minute
}

// phaseSlots are the clock hours a periodic job runs in. Each call on the
// phase is put back on its nominal time (the call minus its jitter) first:
// a job due at :00 with ±50 ms jitter lands in two clock hours, and slots
// by arrival would lose the hours whose calls came a little early. An hour
// is kept when the job ran in it on at least θ of that day type's days.
func phaseSlots(calls []call, origin time.Time, loc *time.Location, f phaseFit, pr *profile, theta float64) slots {
	type dayHour struct {
		day  int
		hour int
	}
	seen := map[dayHour]bool{}
	var ran [2][24]int
	for i := range calls {
		t := origin.Add(calls[i].at).In(loc)
		dev := wrap(clockPosition(t, f.period)-f.phase, f.period)
		if dev.Abs() > phaseWindow+time.Minute/2 {
			continue
		}
		n := t.Add(-dev)
		k := dayHour{n.YearDay() + 366*n.Year(), n.Hour()}
		if !seen[k] {
			seen[k] = true
			ran[dayTypeOf(n.Weekday())][n.Hour()]++
		}
	}
	var s slots
	for dt := range ran {
		for h, n := range ran[dt] {
			if d := pr.hours[dt][h].Days; d > 0 && float64(n) >= theta*float64(d) {
				s.addDayType(dt, h)
			}
		}
	}
	return s
}
