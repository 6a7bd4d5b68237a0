package keepwarm

import (
	"math"
	"time"
)

// Day types (§5.2 step 4).
const (
	weekday = 0
	weekend = 1
)

var dayTypeNames = [2]string{"weekday", "weekend"}

// slots is a set of (local weekday, local hour) pairs, weekday 0 = Sunday.
type slots [7][24]bool

func (s *slots) empty() bool {
	for d := range s {
		for h := range s[d] {
			if s[d][h] {
				return false
			}
		}
	}
	return true
}

func allSlots() slots {
	var s slots
	for d := range s {
		for h := range s[d] {
			s[d][h] = true
		}
	}
	return s
}

func dayTypeOf(wd time.Weekday) int {
	if wd == time.Saturday || wd == time.Sunday {
		return weekend
	}
	return weekday
}

// hourObs is one local clock hour that lies wholly inside the window.
type hourObs struct {
	start     time.Duration // since the window's origin
	weekday   time.Weekday
	hour      int
	calls     int
	idleCold  int
	scaleCold int
	peak      int           // most executions in flight at once, seen at arrivals
	busy      time.Duration // execution time of the calls that started in the hour
}

// hourGrid lists the window's local hours. Stepping absolute hours keeps
// DST days at 23 or 25 observations, each labelled by its local clock hour.
func hourGrid(origin time.Time, span time.Duration, loc *time.Location) []hourObs {
	l := origin.In(loc)
	first := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), 0, 0, 0, loc)
	if first.Before(origin) {
		first = first.Add(time.Hour)
	}
	var grid []hourObs
	for t := first; !t.Add(time.Hour).After(origin.Add(span)); t = t.Add(time.Hour) {
		lt := t.In(loc)
		grid = append(grid, hourObs{start: t.Sub(origin), weekday: lt.Weekday(), hour: lt.Hour()})
	}
	return grid
}

// observe adds the calls to the grid.
func observe(grid []hourObs, calls []call, cs []cause) {
	if len(grid) == 0 {
		return
	}
	for i := range calls {
		c := &calls[i]
		k := int((c.at - grid[0].start) / time.Hour)
		if c.at < grid[0].start || k >= len(grid) {
			continue
		}
		o := &grid[k]
		o.calls++
		o.peak = max(o.peak, c.inFlight+1)
		o.busy += c.init + c.dur
		if c.cold && cs[i] == causeIdle {
			o.idleCold++
		}
		if c.cold && cs[i] == causeScaleOut {
			o.scaleCold++
		}
	}
}

// profile is the activity of each (day type, hour) bucket (§5.3d).
type profile struct {
	hours  [2][24]HourStat
	active slots
}

// buildProfile aggregates the grid per bucket and runs the active-hours test:
// a bucket is active when traffic came on at least θ of its days, more often
// than a flat process at the function's rate outside those hours would give
// (binomial upper tail below alpha), and its idle cold starts need removing.
func buildProfile(grid []hourObs, p *Params) profile {
	var pr profile
	var peaks [2][24][]int
	for _, o := range grid {
		dt := dayTypeOf(o.weekday)
		h := &pr.hours[dt][o.hour]
		h.Days++
		if o.calls > 0 {
			h.PActive++
		}
		h.PerHour += float64(o.calls)
		h.IdleCold += float64(o.idleCold)
		h.ScaleCold += float64(o.scaleCold)
		h.MeanConcurrency += o.busy.Hours()
		peaks[dt][o.hour] = append(peaks[dt][o.hour], o.peak)
	}
	for dt := range pr.hours {
		for hr := range pr.hours[dt] {
			h := &pr.hours[dt][hr]
			h.DayType, h.Hour = dayTypeNames[dt], hr
			if h.Days == 0 {
				continue
			}
			d := float64(h.Days)
			h.PActive, h.PerHour, h.IdleCold, h.ScaleCold, h.MeanConcurrency = h.PActive/d, h.PerHour/d, h.IdleCold/d, h.ScaleCold/d, h.MeanConcurrency/d
			h.PeakConcurrency = float64(quantileInt(peaks[dt][hr], p.QPC))
			h.Candidate = h.PActive >= p.ThetaActive
		}
	}
	pr.test(p.ActiveAlpha)
	return pr
}

// test runs the binomial test against the rate outside the candidate hours.
// With no hour outside them the function is busy around the clock and every
// candidate is real. The level is split over the candidates tested
// (Bonferroni): with 48 buckets and two weekend days a week, a flat function
// would otherwise show a spurious active hour in most training windows.
func (pr *profile) test(alpha float64) {
	calls, hours, tested := 0.0, 0.0, 0
	for dt := range pr.hours {
		for _, h := range pr.hours[dt] {
			if !h.Candidate {
				calls += h.PerHour * float64(h.Days)
				hours += float64(h.Days)
			} else {
				tested++
			}
		}
	}
	for dt := range pr.hours {
		for hr := range pr.hours[dt] {
			h := &pr.hours[dt][hr]
			if !h.Candidate {
				h.PValue = 1
				continue
			}
			if hours > 0 {
				p0 := 1 - math.Exp(-calls/hours)
				h.PValue = binomialTail(h.Days, int(math.Round(h.PActive*float64(h.Days))), p0)
			}
			h.Significant = h.PValue < alpha/float64(tested)
			h.Active = h.Significant && h.IdleCold > 0
			if h.Active {
				pr.active.addDayType(dt, hr)
			}
		}
	}
}

// addDayType marks hour hr on every weekday of day type dt.
func (s *slots) addDayType(dt, hr int) {
	for d := range s {
		if dayTypeOf(time.Weekday(d)) == dt {
			s[d][hr] = true
		}
	}
}

// binomialTail is P(X ≥ x) for X ~ Binomial(n, p).
func binomialTail(n, x int, p float64) float64 {
	switch {
	case x <= 0:
		return 1
	case p <= 0:
		return 0
	case p >= 1:
		return 1
	}
	sum := 0.0
	for k := x; k <= n; k++ {
		sum += math.Exp(lchoose(n, k) + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
	}
	return min(sum, 1)
}

func lchoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

func quantileInt(xs []int, q float64) int {
	ds := make([]time.Duration, len(xs))
	for i, x := range xs {
		ds[i] = time.Duration(x)
	}
	return int(quantileDur(ds, q))
}

// hourList flattens the profile for the Evidence.
func (pr *profile) hourList() []HourStat {
	out := make([]HourStat, 0, 48)
	for dt := range pr.hours {
		for _, h := range pr.hours[dt] {
			if h.Days > 0 {
				out = append(out, h)
			}
		}
	}
	return out
}
