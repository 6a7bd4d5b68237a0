package loadgen

import (
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Batch is one OTLP export request and what it covers.
type Batch struct {
	Traces  ptrace.Traces
	Spans   int
	Events  int
	Through time.Time // arrival time of the last event in the batch
}

// Generator turns a simulation into export requests and keeps the truth of
// every event it emits. It is not safe for concurrent use.
type Generator struct {
	sim     *Simulation
	b       *batchBuilder
	truth   *Truth
	events  int
	through time.Time
}

// NewGenerator prepares the traffic of w in [from, to).
func NewGenerator(w Workload, seed uint64, from, to time.Time) *Generator {
	return &Generator{sim: NewSimulation(w, seed, from, to), b: newBatchBuilder(), truth: newTruth(w, seed)}
}

// Next fills a request with the next events until it holds at least
// maxSpans spans; ok is false once the window is exhausted and nothing is left.
func (g *Generator) Next(maxSpans int) (Batch, bool) {
	for g.b.spanCount() < maxSpans {
		ev, ok := g.sim.Next()
		if !ok {
			break
		}
		g.Emit(&ev)
	}
	if g.events == 0 {
		return Batch{}, false
	}
	return g.Flush(), true
}

// NextEvent returns the next simulated call without emitting it.
func (g *Generator) NextEvent() (Event, bool) { return g.sim.Next() }

// Emit adds the spans of ev to the pending request and counts it in the truth.
func (g *Generator) Emit(ev *Event) {
	before := g.b.spanCount()
	g.b.add(ev)
	g.truth.record(ev, g.b.spanCount()-before)
	g.events++
	if ev.Arrival.After(g.through) {
		g.through = ev.Arrival
	}
}

// Pending is the number of spans waiting in the pending request.
func (g *Generator) Pending() int { return g.b.spanCount() }

// Flush returns the pending request.
func (g *Generator) Flush() Batch {
	b := Batch{Spans: g.b.spanCount(), Events: g.events, Through: g.through}
	b.Traces = g.b.take()
	g.events = 0
	return b
}

// Truth is the ground truth of everything emitted so far.
func (g *Generator) Truth() *Truth { return g.truth }
