package keepwarm

import (
	"time"
)

// schedule is a keep-warm ping rule in the owner's clock: in each hour of
// slots, pings every `every` starting at offset from the hour (a phase ping
// fires once, before the call it serves, so its offset may be negative).
type schedule struct {
	slots  slots
	every  time.Duration
	offset time.Duration
	k      int
	delay  time.Duration // the handler's hold when k > 1
}

// pings lists the firings in [from, to) of the window starting at origin.
func (s *schedule) pings(origin time.Time, from, to time.Duration, loc *time.Location) []ping {
	var out []ping
	forEachHour(origin, from-time.Hour, to+time.Hour, loc, func(h time.Duration, lt time.Time) {
		if !s.slots.has(lt) {
			return
		}
		for t := h + s.offset; t < h+s.offset+time.Hour; t += s.every {
			if t >= from && t < to {
				out = append(out, ping{at: t, k: s.k})
			}
		}
	})
	return out
}

// forEachHour calls fn with each local clock hour starting in [from, to),
// as an offset from origin and as local time.
func forEachHour(origin time.Time, from, to time.Duration, loc *time.Location, fn func(time.Duration, time.Time)) {
	l := origin.Add(from).In(loc)
	t := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), 0, 0, 0, loc)
	if t.Before(origin.Add(from)) {
		t = t.Add(time.Hour)
	}
	for ; t.Before(origin.Add(to)); t = t.Add(time.Hour) {
		fn(t.Sub(origin), t.In(loc))
	}
}

// levels is a reserved-capacity level per (day type, local hour).
type levels [2][24]int

func (l *levels) max() int {
	m := 0
	for dt := range l {
		for _, n := range l[dt] {
			m = max(m, n)
		}
	}
	return m
}

// steps lists the level changes in [from, to): raised lead before the hour,
// since allocation takes a minute or two plus ramp (A2), lowered on the hour.
func (l *levels) steps(origin time.Time, from, to time.Duration, loc *time.Location, lead time.Duration) []levelStep {
	var out []levelStep
	cur := -1
	forEachHour(origin, from, to, loc, func(h time.Duration, lt time.Time) {
		n := l[dayTypeOf(lt.Weekday())][lt.Hour()]
		switch {
		case cur < 0:
			out = append(out, levelStep{at: from, n: n})
		case n > cur:
			out = append(out, levelStep{at: max(h-lead, from), n: n})
		case n < cur:
			out = append(out, levelStep{at: h, n: n})
		}
		cur = n
	})
	return out
}
