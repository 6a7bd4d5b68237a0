package loadgen

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Arrival patterns. Rates are per hour; each pattern documents what PerHour means.
const (
	// PatternPoisson: calls at a constant mean rate PerHour, independent of each other.
	PatternPoisson = "poisson"
	// PatternDiurnal: Poisson whose rate follows the day, peaking at 14:00 UTC
	// at 1.8× and bottoming at 02:00 at 0.2× of the mean PerHour.
	PatternDiurnal = "diurnal"
	// PatternOfficeHours: PerHour on weekdays 09:00-17:00 UTC, 2 % of it otherwise.
	PatternOfficeHours = "office_hours"
	// PatternBursty: sessions start at PerHour; each holds on average
	// SessionCalls calls, SessionGap apart on average, so calls overlap and
	// the platform scales out.
	PatternBursty = "bursty"
	// PatternPeriodic: a timer trigger firing every Every, with ±50 ms jitter.
	PatternPeriodic = "periodic"
	// PatternRare: Poisson at a low rate PerHour (default 0.25): mostly cold.
	PatternRare = "rare"
)

// Arrival is when a function is called.
type Arrival struct {
	Pattern      string        `yaml:"pattern"`
	PerHour      float64       `yaml:"per_hour"`
	Every        time.Duration `yaml:"every"`
	SessionCalls float64       `yaml:"session_calls"`
	SessionGap   time.Duration `yaml:"session_gap"`

	// GrowthPerWeek is a multiplicative trend on the rate, compounded from the
	// start of the generated window, where the rate is PerHour: 0.1 is +10 % a
	// week, -0.1 is -10 % a week, 0 no trend. Not for periodic timers.
	GrowthPerWeek float64 `yaml:"growth_per_week"`
	// WeekendFactor multiplies the rate on Saturdays and Sundays (UTC): 3
	// makes a weekend-heavy function. 0 means 1; not for periodic timers.
	WeekendFactor float64 `yaml:"weekend_factor"`
}

func (a Arrival) validate() error {
	if a.GrowthPerWeek <= -1 || a.WeekendFactor < 0 {
		return errors.New("growth_per_week must be > -1 and weekend_factor >= 0")
	}
	if a.modulated() && a.Pattern == PatternPeriodic {
		return errors.New("periodic timers take no growth_per_week or weekend_factor")
	}
	switch a.Pattern {
	case PatternPoisson, PatternDiurnal, PatternOfficeHours, PatternRare:
		if a.PerHour <= 0 && a.Pattern != PatternRare {
			return errors.New("per_hour must be > 0")
		}
	case PatternBursty:
		if a.PerHour <= 0 || a.SessionCalls < 1 || a.SessionGap <= 0 {
			return errors.New("bursty needs per_hour > 0, session_calls >= 1 and session_gap > 0")
		}
	case PatternPeriodic:
		if a.Every < time.Second {
			return errors.New("periodic needs every >= 1s")
		}
	default:
		return fmt.Errorf("unknown pattern %q (poisson, diurnal, office_hours, bursty, periodic, rare)", a.Pattern)
	}
	return nil
}

func (a Arrival) perHour() float64 {
	if a.Pattern == PatternRare && a.PerHour == 0 {
		return 0.25
	}
	return a.PerHour
}

// modulated reports whether a trend or a weekend factor shapes the rate.
func (a Arrival) modulated() bool {
	return a.GrowthPerWeek != 0 || a.weekendFactor() != 1
}

func (a Arrival) weekendFactor() float64 {
	if a.WeekendFactor == 0 {
		return 1
	}
	return a.WeekendFactor
}

// meanPerHour is the long-run call rate at the start of the window (before
// any growth). An unset weekend factor adds exactly 0, so workloads without
// one keep their rate to the last bit.
func (a Arrival) meanPerHour() float64 {
	weekendExtra := 2 * (a.weekendFactor() - 1) / 7 // share of a week's base rate the weekend adds
	switch a.Pattern {
	case PatternPeriodic:
		return float64(time.Hour) / float64(a.Every)
	case PatternBursty:
		return a.PerHour * a.SessionCalls * (1 + weekendExtra)
	case PatternOfficeHours:
		open := 5.0 * 8 / (7 * 24)
		return a.PerHour*(open+0.02*(1-open)) + weekendExtra*0.02*a.PerHour
	}
	return a.perHour() * (1 + weekendExtra)
}

func (a Arrival) scaled(f float64) Arrival {
	if a.Pattern == PatternPeriodic {
		a.Every = time.Duration(float64(a.Every) / f)
		return a
	}
	a.PerHour = a.perHour() * f
	return a
}

// arrivals yields the call times of one function in increasing order.
type arrivals struct {
	a       Arrival
	r       *rand.Rand
	origin  time.Time // where GrowthPerWeek starts compounding
	next    time.Time // next candidate (Poisson family) or next tick (periodic)
	session int       // calls left in the current bursty session
}

// growthHorizon bounds how far one thinning peak is trusted when the rate
// grows: an hour of +100 %/week growth raises the rate by 0.4 %.
const growthHorizon = time.Hour

func newArrivals(a Arrival, r *rand.Rand, from time.Time) *arrivals {
	it := &arrivals{a: a, r: r, origin: from, next: from}
	if a.Pattern == PatternPeriodic {
		// Timers fire on their schedule, not at the window's start.
		it.next = from.Truncate(a.Every).Add(a.Every)
	}
	return it
}

// Next returns the next call time.
func (it *arrivals) Next() time.Time {
	switch it.a.Pattern {
	case PatternPeriodic:
		t := it.next
		it.next = it.next.Add(it.a.Every)
		jitter := time.Duration(it.r.Int64N(int64(100*time.Millisecond))) - 50*time.Millisecond
		return t.Add(jitter)
	case PatternBursty:
		return it.nextBursty()
	}
	return it.nextThinned()
}

// nextThinned draws a non-homogeneous Poisson process by thinning: candidates
// at the peak rate, each kept with probability rate(t)/peak. With growth the
// peak holds only until growthHorizon; a candidate past it is dropped and the
// draw restarts there with a new peak, which a Poisson process allows because
// it has no memory.
func (it *arrivals) nextThinned() time.Time {
	for {
		peak := it.peakPerHour()
		gap := expDuration(it.r, peak)
		if it.a.GrowthPerWeek != 0 && gap > growthHorizon {
			it.next = it.next.Add(growthHorizon)
			continue
		}
		it.next = it.next.Add(gap)
		if it.r.Float64()*peak <= it.rateAt(it.next) {
			return it.next
		}
	}
}

func (it *arrivals) nextBursty() time.Time {
	if it.session == 0 {
		it.nextSessionStart()
		// Geometric session length with mean SessionCalls.
		it.session = 1
		for it.r.Float64() > 1/it.a.SessionCalls {
			it.session++
		}
	} else {
		it.next = it.next.Add(time.Duration(it.r.ExpFloat64() * float64(it.a.SessionGap)))
	}
	it.session--
	return it.next
}

// nextSessionStart moves to the start of the next bursty session. Sessions
// start as a Poisson process at PerHour; a modulated rate needs thinning,
// which draws differently, so unmodulated workloads keep their old draws.
func (it *arrivals) nextSessionStart() {
	if it.a.modulated() {
		it.nextThinned()
		return
	}
	it.next = it.next.Add(expDuration(it.r, it.a.PerHour))
}

// peakPerHour bounds rateAt over [next, next+growthHorizon].
func (it *arrivals) peakPerHour() float64 {
	peak := it.a.perHour()
	if it.a.Pattern == PatternDiurnal {
		peak = 1.8 * it.a.PerHour
	}
	if !it.a.modulated() {
		return peak
	}
	trend := max(it.growth(it.next), it.growth(it.next.Add(growthHorizon)))
	return peak * trend * max(1, it.a.weekendFactor())
}

// growth is the trend's multiplier at t.
func (it *arrivals) growth(t time.Time) float64 {
	weeks := t.Sub(it.origin).Hours() / (7 * 24)
	return math.Pow(1+it.a.GrowthPerWeek, weeks)
}

// rateAt is the call rate per hour at t.
func (it *arrivals) rateAt(t time.Time) float64 {
	if !it.a.modulated() {
		return it.patternRateAt(t)
	}
	m := it.growth(t)
	if wd := t.UTC().Weekday(); wd == time.Saturday || wd == time.Sunday {
		m *= it.a.weekendFactor()
	}
	return it.patternRateAt(t) * m
}

// patternRateAt is the pattern's own rate per hour at t.
func (it *arrivals) patternRateAt(t time.Time) float64 {
	switch it.a.Pattern {
	case PatternDiurnal:
		h := float64(t.UTC().Hour()) + float64(t.UTC().Minute())/60
		return it.a.PerHour * (1 + 0.8*math.Sin(2*math.Pi*(h-8)/24))
	case PatternOfficeHours:
		u := t.UTC()
		if wd := u.Weekday(); wd != time.Saturday && wd != time.Sunday && u.Hour() >= 9 && u.Hour() < 17 {
			return it.a.PerHour
		}
		return 0.02 * it.a.PerHour
	}
	return it.a.perHour()
}

// expDuration is an exponential inter-arrival time at perHour calls per hour.
func expDuration(r *rand.Rand, perHour float64) time.Duration {
	return time.Duration(r.ExpFloat64() / perHour * float64(time.Hour))
}
