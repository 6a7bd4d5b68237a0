package loadgen

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Options is one loadgen run.
type Options struct {
	Workload Workload
	Seed     uint64
	Target   Target
	// Backfill > 0 writes the window [End-Backfill, End) as fast as the
	// target accepts. Otherwise the traffic of [now, now+Duration) is sent as
	// it happens, each span when it ends.
	Backfill time.Duration
	Duration time.Duration
	End      time.Time // backfill only; zero: now
	// BatchSpans is the number of spans per export request (the OTel SDK
	// batch processor's default is 512).
	BatchSpans  int
	Concurrency int // requests in flight
	Progress    io.Writer
	Terminal    bool // Progress is a terminal: draw a bar
}

// Stats is what a run did.
type Stats struct {
	Requests uint64
	Spans    uint64
	Elapsed  time.Duration
}

// Run sends the workload's traffic and returns its truth. On error the truth
// covers what was generated, some of which may not have been delivered.
func Run(ctx context.Context, o Options) (*Truth, Stats, error) {
	if err := o.Workload.Validate(); err != nil {
		return nil, Stats{}, fmt.Errorf("invalid workload: %w", err)
	}
	if o.Backfill <= 0 && o.Duration <= 0 {
		return nil, Stats{}, errors.New("set a backfill window or a duration")
	}
	sender, err := NewSender(o.Target)
	if err != nil {
		return nil, Stats{}, err
	}
	defer sender.Close()
	from, to := o.window()
	gen := NewGenerator(o.Workload, o.Seed, from, to)
	prog := newProgress(o.Progress, o.Terminal, from, to)
	began := time.Now()

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batches := make(chan Batch, max(o.Concurrency, 1))
	var st Stats
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range max(o.Concurrency, 1) {
		wg.Go(func() {
			for b := range batches {
				if err := sender.Send(ctx, b.Traces); err != nil {
					cancel(err)
					continue // drain: the producer stops on the cancelled context
				}
				prog.sent(b)
				mu.Lock()
				st.Requests++
				st.Spans += uint64(b.Spans)
				mu.Unlock()
			}
		})
	}
	done := make(chan struct{})
	progressDone := make(chan struct{})
	go func() { prog.run(done); close(progressDone) }()

	if o.Backfill > 0 {
		produceBackfill(ctx, gen, o.batchSpans(), batches)
	} else {
		produceRealTime(ctx, gen, o.batchSpans(), batches)
	}
	close(batches)
	wg.Wait()
	close(done)
	<-progressDone
	st.Elapsed = time.Since(began)
	if err := context.Cause(ctx); err != nil {
		return gen.Truth(), st, fmt.Errorf("loadgen stopped: %w", err)
	}
	return gen.Truth(), st, nil
}

func (o Options) window() (from, to time.Time) {
	if o.Backfill > 0 {
		end := o.End
		if end.IsZero() {
			end = time.Now()
		}
		end = end.UTC().Truncate(time.Second)
		return end.Add(-o.Backfill), end
	}
	start := time.Now().UTC()
	return start, start.Add(o.Duration)
}

func (o Options) batchSpans() int {
	if o.BatchSpans <= 0 {
		return 512
	}
	return o.BatchSpans
}

// produceBackfill generates the whole window as fast as the senders take it.
func produceBackfill(ctx context.Context, gen *Generator, batchSpans int, out chan<- Batch) {
	for ctx.Err() == nil {
		b, ok := gen.Next(batchSpans)
		if !ok {
			return
		}
		select {
		case out <- b:
		case <-ctx.Done():
		}
	}
}

// produceRealTime emits each event when its span ends in wall-clock time,
// flushing a request when it is full or every flushEvery.
func produceRealTime(ctx context.Context, gen *Generator, batchSpans int, out chan<- Batch) {
	const flushEvery = 200 * time.Millisecond
	var ending endQueue
	next, more := gen.NextEvent()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	lastFlush := time.Now()
	for ctx.Err() == nil && (more || len(ending) > 0 || gen.Pending() > 0) {
		now := time.Now()
		for more && !next.Arrival.After(now) {
			ev := next
			heap.Push(&ending, &ev)
			next, more = gen.NextEvent()
		}
		for len(ending) > 0 && !ending[0].endOfSpan().After(now) {
			gen.Emit(heap.Pop(&ending).(*Event))
		}
		pending := gen.Pending()
		if pending >= batchSpans || (pending > 0 && (now.Sub(lastFlush) >= flushEvery || (!more && len(ending) == 0))) {
			select {
			case out <- gen.Flush():
			case <-ctx.Done():
				return
			}
			lastFlush = now
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
}

// endOfSpan is when the event's span is exported: its end, or its arrival
// for a throttle (the refusal is immediate).
func (e *Event) endOfSpan() time.Time {
	if e.Throttled {
		return e.Arrival
	}
	return e.End()
}

// endQueue orders in-flight events by the end of their span.
type endQueue []*Event

func (q endQueue) Len() int           { return len(q) }
func (q endQueue) Less(i, j int) bool { return q[i].endOfSpan().Before(q[j].endOfSpan()) }
func (q endQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *endQueue) Push(x any)        { *q = append(*q, x.(*Event)) }
func (q *endQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}
