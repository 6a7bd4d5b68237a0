package loadgen

import (
	"container/heap"
	"math/rand/v2"
	"time"

	"github.com/faascope/faascope/schemas"
)

// Event is one call of a function: an invocation, or a throttled call that
// never ran.
type Event struct {
	Fn        *Function
	FnIndex   int
	Arrival   time.Time // when the call reached the platform
	Start     time.Time // when the handler began: Arrival plus the init phase when cold
	Throttled bool

	DurationMs float64 // handler time
	InitMs     float64 // init phase, cold starts only
	Cold       bool
	Outcome    schemas.Outcome
	Instance   *Instance

	ids *idSource
}

// End is when the span of the call ends.
func (e *Event) End() time.Time {
	return e.Start.Add(time.Duration(e.DurationMs * float64(time.Millisecond)))
}

// Instance is one execution environment of a function.
type Instance struct {
	ID        string
	busyUntil time.Time
	lastEnd   time.Time
	poisoned  bool // a timeout ended it: the platform replaces it
}

// fnState is one function's part of the simulation.
type fnState struct {
	fn        *Function
	index     int
	r         *rand.Rand
	arrivals  *arrivals
	next      time.Time
	instances []*Instance // most recently used last
	ids       *idSource
}

// Simulation replays a workload over a time window, one event at a time, in
// arrival order across all functions.
type Simulation struct {
	fns []*fnState
	q   fnQueue
	to  time.Time
}

// NewSimulation prepares the calls of w in [from, to). The seed decides everything.
func NewSimulation(w Workload, seed uint64, from, to time.Time) *Simulation {
	s := &Simulation{to: to}
	for i := range w.Functions {
		f := w.Functions[i].withDefaults()
		r := rand.New(rand.NewPCG(seed, uint64(i)+1))
		st := &fnState{fn: &f, index: i, r: r, arrivals: newArrivals(f.Arrival, r, from), ids: newIDSource(seed, uint64(i)+1)}
		st.next = st.arrivals.Next()
		s.fns = append(s.fns, st)
		if st.next.Before(to) {
			s.q = append(s.q, st)
		}
	}
	heap.Init(&s.q)
	return s
}

// Next returns the next event, or false when the window is exhausted.
func (s *Simulation) Next() (Event, bool) {
	if len(s.q) == 0 {
		return Event{}, false
	}
	st := s.q[0]
	ev := st.call(st.next)
	st.next = st.arrivals.Next()
	if st.next.Before(s.to) {
		heap.Fix(&s.q, 0)
	} else {
		heap.Pop(&s.q)
	}
	return ev, true
}

// call routes one call the way platforms do: to the most recently used idle
// instance that is still alive, else to a new instance (a cold start) unless
// the concurrency limit is reached (a throttle).
func (st *fnState) call(at time.Time) Event {
	f := st.fn
	ev := Event{Fn: f, FnIndex: st.index, Arrival: at, Start: at, ids: st.ids}
	st.evict(at)
	inst := st.idle(at)
	if inst == nil {
		if len(st.instances) >= f.Concurrency {
			ev.Throttled, ev.Outcome = true, schemas.OutcomeThrottled
			return ev
		}
		inst = &Instance{ID: st.ids.instanceID(f, at)}
		st.instances = append(st.instances, inst)
		ev.Cold = true
		ev.InitMs = f.Init.sample(st.r)
		ev.Start = at.Add(time.Duration(ev.InitMs * float64(time.Millisecond)))
	}
	ev.Instance = inst
	ev.Outcome, ev.DurationMs = st.outcome()
	inst.busyUntil = ev.End()
	inst.lastEnd = inst.busyUntil
	inst.poisoned = ev.Outcome == schemas.OutcomeTimeout
	st.touch(inst)
	return ev
}

// outcome draws how the invocation ends and how long it runs. A timeout runs
// exactly to the limit; other durations are capped just below it.
func (st *fnState) outcome() (schemas.Outcome, float64) {
	f := st.fn
	limit := float64(f.Timeout) / float64(time.Millisecond)
	u := st.r.Float64()
	switch {
	case u < f.TimeoutRate:
		return schemas.OutcomeTimeout, limit
	case u < f.TimeoutRate+f.ErrorRate:
		return schemas.OutcomeError, min(f.Duration.sample(st.r), limit-1)
	}
	return schemas.OutcomeOK, min(f.Duration.sample(st.r), limit-1)
}

// evict drops instances idle for longer than the provider keeps them, and
// those a timeout ended (the platform starts a fresh one for the next call).
func (st *fnState) evict(at time.Time) {
	kept := st.instances[:0]
	for _, in := range st.instances {
		idle := !in.busyUntil.After(at)
		if idle && (in.poisoned || at.Sub(in.lastEnd) > st.fn.IdleTimeout) {
			continue
		}
		kept = append(kept, in)
	}
	clear(st.instances[len(kept):])
	st.instances = kept
}

// idle returns the most recently used instance that is free at at.
func (st *fnState) idle(at time.Time) *Instance {
	for i := len(st.instances) - 1; i >= 0; i-- {
		if !st.instances[i].busyUntil.After(at) {
			return st.instances[i]
		}
	}
	return nil
}

// touch moves inst to the most-recently-used end.
func (st *fnState) touch(inst *Instance) {
	for i, in := range st.instances {
		if in == inst {
			copy(st.instances[i:], st.instances[i+1:])
			st.instances[len(st.instances)-1] = inst
			return
		}
	}
}

// fnQueue orders functions by their next call; ties go to the lower index so
// the order is deterministic.
type fnQueue []*fnState

func (q fnQueue) Len() int { return len(q) }
func (q fnQueue) Less(i, j int) bool {
	if !q[i].next.Equal(q[j].next) {
		return q[i].next.Before(q[j].next)
	}
	return q[i].index < q[j].index
}
func (q fnQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *fnQueue) Push(x any)   { *q = append(*q, x.(*fnState)) }
func (q *fnQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}
