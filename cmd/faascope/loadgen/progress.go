package loadgen

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
)

// progress reports spans sent, the rate and the ETA: a redrawn bar on a
// terminal, a line every few seconds otherwise (logs, CI).
type progress struct {
	w        io.Writer
	terminal bool
	from, to time.Time // simulated window
	began    time.Time

	spans   atomic.Uint64
	through atomic.Int64 // simulated time reached, unix ns
}

func newProgress(w io.Writer, terminal bool, from, to time.Time) *progress {
	return &progress{w: w, terminal: terminal, from: from, to: to, began: time.Now()}
}

// sent counts a delivered batch.
func (p *progress) sent(b Batch) {
	p.spans.Add(uint64(b.Spans))
	for {
		cur := p.through.Load()
		if b.Through.UnixNano() <= cur || p.through.CompareAndSwap(cur, b.Through.UnixNano()) {
			return
		}
	}
}

// run prints until done is closed, then prints the final line.
func (p *progress) run(done <-chan struct{}) {
	if p.w == nil {
		return
	}
	every := 5 * time.Second
	if p.terminal {
		every = 200 * time.Millisecond
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-done:
			p.print(true)
			return
		case <-tick.C:
			p.print(false)
		}
	}
}

func (p *progress) print(final bool) {
	elapsed := time.Since(p.began)
	spans := p.spans.Load()
	rate := float64(spans) / max(elapsed.Seconds(), 1e-3)
	frac := 0.0
	if span := p.to.Sub(p.from); span > 0 && p.through.Load() > 0 {
		frac = min(1, float64(p.through.Load()-p.from.UnixNano())/float64(span))
	}
	if final {
		frac = 1
	}
	eta := "?"
	if frac > 0 {
		eta = (time.Duration(float64(elapsed)/frac) - elapsed).Round(time.Second).String()
	}
	line := fmt.Sprintf("%5.1f%%  %d spans  %.0f spans/s  elapsed %s  eta %s",
		100*frac, spans, rate, elapsed.Round(time.Second), eta)
	switch {
	case p.terminal:
		const width = 30
		n := int(frac * width)
		fmt.Fprintf(p.w, "\r[%s%s] %s ", strings.Repeat("#", n), strings.Repeat(".", width-n), line)
		if final {
			fmt.Fprintln(p.w)
		}
	default:
		fmt.Fprintln(p.w, "loadgen:", line)
	}
}
