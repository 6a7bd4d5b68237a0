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
}

func (a Arrival) validate() error {
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

// meanPerHour is the long-run call rate.
func (a Arrival) meanPerHour() float64 {
	switch a.Pattern {
	case PatternPeriodic:
		return float64(time.Hour) / float64(a.Every)
	case PatternBursty:
		return a.PerHour * a.SessionCalls
	case PatternOfficeHours:
		open := 5.0 * 8 / (7 * 24)
		return a.PerHour * (open + 0.02*(1-open))
	}
	return a.perHour()
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
	next    time.Time // next candidate (Poisson family) or next tick (periodic)
	session int       // calls left in the current bursty session
}

func newArrivals(a Arrival, r *rand.Rand, from time.Time) *arrivals {
	it := &arrivals{a: a, r: r, next: from}
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
// at the peak rate, each kept with probability rate(t)/peak.
func (it *arrivals) nextThinned() time.Time {
	peak := it.peakPerHour()
	for {
		it.next = it.next.Add(expDuration(it.r, peak))
		if it.r.Float64()*peak <= it.rateAt(it.next) {
			return it.next
		}
	}
}

func (it *arrivals) nextBursty() time.Time {
	if it.session == 0 {
		it.next = it.next.Add(expDuration(it.r, it.a.PerHour))
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

func (it *arrivals) peakPerHour() float64 {
	if it.a.Pattern == PatternDiurnal {
		return 1.8 * it.a.PerHour
	}
	return it.a.perHour()
}

// rateAt is the call rate per hour at t.
func (it *arrivals) rateAt(t time.Time) float64 {
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
