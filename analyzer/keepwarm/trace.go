package keepwarm

import (
	"container/heap"
	"math"
	"slices"
	"time"
)

// call is one user invocation, timed from the window's origin.
type call struct {
	at, dur, init time.Duration
	cold          bool
	version       string
	// From the sweep over the observed trace (§5.3a):
	inFlight int           // executions in flight when the call arrived
	gap      time.Duration // zero-concurrency gap before the call; -1 when something was in flight or nothing came before
}

// end is when the observed execution finished.
func (c *call) end() time.Duration { return c.at + c.init + c.dur }

// trace is a function's user traffic in a window [origin, origin+span).
type trace struct {
	origin  time.Time
	span    time.Duration
	calls   []call
	warmups int
}

// newTrace keeps the invocations in [from, to), sets warm-up pings aside
// (§5.2 step 1: they are not user traffic) and sweeps the in-flight counts.
func newTrace(invs []Invocation, from, to time.Time) trace {
	t := trace{origin: from, span: to.Sub(from)}
	for i := range invs {
		in := &invs[i]
		if in.Start.Before(from) || !in.Start.Before(to) {
			continue
		}
		if in.Warmup {
			t.warmups++
			continue
		}
		t.calls = append(t.calls, call{at: in.Start.Sub(from), dur: max(in.Duration, 0), init: initOf(in), cold: in.Cold, version: in.Version})
	}
	slices.SortStableFunc(t.calls, func(a, b call) int { return int(a.at - b.at) })
	sweep(t.calls)
	return t
}

func initOf(in *Invocation) time.Duration {
	if in.Cold && in.Init > 0 {
		return in.Init
	}
	return 0
}

// sweep sets each call's in-flight count and zero-concurrency gap: the
// paper's idle time, from the end of the last execution to the next start.
func sweep(calls []call) {
	var ends durationHeap
	lastEnd := time.Duration(-1)
	for i := range calls {
		c := &calls[i]
		for len(ends) > 0 && ends[0] <= c.at {
			lastEnd = max(lastEnd, heap.Pop(&ends).(time.Duration))
		}
		c.inFlight = len(ends)
		c.gap = -1
		if c.inFlight == 0 && lastEnd >= 0 {
			c.gap = c.at - lastEnd
		}
		heap.Push(&ends, c.end())
	}
}

type durationHeap []time.Duration

func (h durationHeap) Len() int           { return len(h) }
func (h durationHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h durationHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *durationHeap) Push(x any)        { *h = append(*h, x.(time.Duration)) }
func (h *durationHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// quantileDur is the nearest-rank q-quantile; 0 for no values.
func quantileDur(xs []time.Duration, q float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[rankIndex(len(s), q)]
}

// rankIndex is the nearest-rank index of the q-quantile of n sorted values.
func rankIndex(n int, q float64) int {
	i := int(q*float64(n)+0.999999) - 1
	return min(max(i, 0), n-1)
}

// initP50 is the median observed init, or the runtime default (§4.1) when
// the trace has none.
func (t *trace) initP50(runtime string) time.Duration {
	var inits []time.Duration
	for i := range t.calls {
		if t.calls[i].init > 0 {
			inits = append(inits, t.calls[i].init)
		}
	}
	if len(inits) == 0 {
		return defaultInit(runtime)
	}
	return quantileDur(inits, 0.5)
}

func (t *trace) durationP50() time.Duration {
	durs := make([]time.Duration, len(t.calls))
	for i := range t.calls {
		durs[i] = t.calls[i].dur
	}
	return quantileDur(durs, 0.5)
}

func (t *trace) observedCold(from time.Duration) int {
	n := 0
	for i := range t.calls {
		if t.calls[i].at >= from && t.calls[i].cold {
			n++
		}
	}
	return n
}

// days is the length of the window from the first call on, in whole days: a
// function deployed yesterday has one day of data whatever the window, and a
// rare function first called a few hours in still has the whole week.
func (t *trace) days() float64 {
	if len(t.calls) == 0 {
		return 0
	}
	return math.Round((t.span - t.calls[0].at).Hours() / 24)
}
