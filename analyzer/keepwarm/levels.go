package keepwarm

import (
	"math"
	"time"
)

// reservedLevels is L'(b) of §5.4 C4: ceil of the QPC quantile of the
// hourly peak concurrency in buckets that had cold starts, then smoothed.
func reservedLevels(pr *profile, maxChanges int) levels {
	var l levels
	for dt := range pr.hours {
		var day [24]int
		for h, st := range pr.hours[dt] {
			if st.IdleCold+st.ScaleCold > 0 {
				day[h] = int(math.Ceil(st.PeakConcurrency))
			}
		}
		l[dt] = capChanges(mergeClose(raiseEarly(day)), maxChanges)
	}
	return l
}

// raiseEarly sets L'(h) = max(L(h), L(h+1)) so capacity is there before the rise.
func raiseEarly(day [24]int) [24]int {
	out := day
	for h := range 23 {
		out[h] = max(day[h], day[h+1])
	}
	return out
}

// mergeClose joins adjacent non-zero hours whose levels differ by at most 1
// from every level already in the run, and gives the run its maximum. The
// "every level" test stops a slow ramp 1,2,3,4 from becoming 4,4,4,4.
func mergeClose(day [24]int) [24]int {
	for h := 0; h < 24; {
		if day[h] == 0 {
			h++
			continue
		}
		lo, hi, end := day[h], day[h], h+1
		for end < 24 && day[end] > 0 && day[end]-lo <= 1 && hi-day[end] <= 1 {
			lo, hi = min(lo, day[end]), max(hi, day[end])
			end++
		}
		for i := h; i < end; i++ {
			day[i] = hi
		}
		h = end
	}
	return day
}

// capChanges merges the two adjacent runs closest in level until the day has
// at most maxChanges level changes (§5.4: max_pc_changes_per_day). Pairs of
// non-zero runs go first: merging into an idle stretch would buy capacity
// for hours that need none.
func capChanges(day [24]int, maxChanges int) [24]int {
	for {
		runs := runStarts(day)
		changes := len(runs) - 1
		if day[0] != day[23] {
			changes++
		}
		if changes <= maxChanges || len(runs) < 2 {
			return day
		}
		best, bestCost := 0, math.MaxInt
		for i := 1; i < len(runs); i++ {
			a, b := day[runs[i-1]], day[runs[i]]
			cost := absInt(a - b)
			if a == 0 || b == 0 {
				cost += 1 << 20
			}
			if cost < bestCost {
				best, bestCost = i, cost
			}
		}
		end := 24
		if best+1 < len(runs) {
			end = runs[best+1]
		}
		level := max(day[runs[best]], day[runs[best-1]])
		for h := runs[best-1]; h < end; h++ {
			day[h] = level
		}
	}
}

// runStarts lists the hours where a run of equal levels begins.
func runStarts(day [24]int) []int {
	starts := []int{0}
	for h := 1; h < 24; h++ {
		if day[h] != day[h-1] {
			starts = append(starts, h)
		}
	}
	return starts
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// levelsOut writes the schedule as Levels with their scheduled actions and
// the utilization u(b) = mean concurrency / level; u ≥ 0.6 is where PC
// costs less than on-demand (§3.4).
func levelsOut(l *levels, pr *profile, lead time.Duration, loc *time.Location, ref time.Time, reserve string) []Level {
	var out []Level
	for dt := range l {
		day := l[dt]
		for _, h := range runStarts(day) {
			end := h + 1
			for end < 24 && day[end] == day[h] {
				end++
			}
			prev := 0
			if h > 0 {
				prev = day[h-1]
			}
			if day[h] == 0 {
				if prev > 0 {
					out[len(out)-1].ScheduledActions = append(out[len(out)-1].ScheduledActions, levelActions(dt, h, 0, 0, loc, ref, reserve))
				}
				continue
			}
			lv := Level{Days: dayTypeDays(dt), FromHour: h, ToHour: end, Count: day[h], Utilization: utilization(pr, dt, h, end, day[h])}
			raiseLead := time.Duration(0)
			if day[h] > prev {
				raiseLead = lead
			}
			lv.ScheduledActions = []string{levelActions(dt, h, day[h], raiseLead, loc, ref, reserve)}
			if end == 24 {
				lv.ScheduledActions = append(lv.ScheduledActions, levelActions(dt, 24, 0, 0, loc, ref, reserve))
			}
			out = append(out, lv)
		}
	}
	return out
}

func utilization(pr *profile, dt, from, to, n int) float64 {
	sum := 0.0
	for h := from; h < to; h++ {
		sum += pr.hours[dt][h].MeanConcurrency
	}
	return sum / float64(to-from) / float64(n)
}

// bestUtilization is the highest bucket utilization of a level schedule.
func bestUtilization(l *levels, pr *profile) float64 {
	u := 0.0
	for dt := range l {
		for h, n := range l[dt] {
			if n > 0 {
				u = max(u, pr.hours[dt][h].MeanConcurrency/float64(n))
			}
		}
	}
	return u
}

func dayTypeDays(dt int) string {
	if dt == weekend {
		return "SAT,SUN"
	}
	return "MON-FRI"
}
