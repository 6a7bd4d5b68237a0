package keepwarm

import (
	"math"
	"time"
)

// The hybrid histogram policy of Shahrad et al. (§1.3): 4 h range of
// 1-minute bins, 5th and 99th percentile with 10 % margins, "representative"
// when the CV of the bin counts is ≥ 2, the time-series path when half the
// idle times are out of bounds.
const (
	hybridBins       = 240
	hybridRange      = hybridBins * time.Minute
	hybridHeadPct    = 0.05
	hybridTailPct    = 0.99
	hybridMargin     = 0.10
	hybridCVMin      = 2.0
	hybridOOBShare   = 0.5
	hybridOOBMargin  = 0.15 // ±15 % band around the forecast (K7, K8)
	hybridMinSamples = 10   // fewer idle times: too little data, keep the standard keep-alive
	hybridForecastN  = 5    // the forecast is the mean of the last 5 OOB gaps: our ARIMA surrogate (§6.4)
)

// hybridHistogram is one application's idle-time histogram, learnt online.
type hybridHistogram struct {
	bins      [hybridBins]int
	inRange   int
	oob       int
	oobRecent []time.Duration
}

func (h *hybridHistogram) add(it time.Duration) {
	if it >= hybridRange {
		h.oob++
		h.oobRecent = append(h.oobRecent, it)
		if len(h.oobRecent) > hybridForecastN {
			h.oobRecent = h.oobRecent[1:]
		}
		return
	}
	h.bins[int(it/time.Minute)]++
	h.inRange++
}

// windows returns how long after an execution ends the instance is loaded
// again (0: never unloaded) and how long it then stays loaded if unused.
// Semantics in absolute time (§1.3): ready at end + 0.9·P5, retired at
// end + 1.1·P99; the time-series path retires at forecast × 1.15.
func (h *hybridHistogram) windows() (prewarm, keepAlive time.Duration) {
	n := h.inRange + h.oob
	switch {
	case n < hybridMinSamples:
		return 0, hybridRange
	case float64(h.oob)/float64(n) >= hybridOOBShare:
		f := meanDur(h.oobRecent)
		return scale(f, 1-hybridOOBMargin), scale(f, 2*hybridOOBMargin)
	case h.cv() < hybridCVMin:
		return 0, hybridRange
	}
	head, tail := h.percentileBin(hybridHeadPct), h.percentileBin(hybridTailPct)+1
	retire := scale(time.Duration(tail)*time.Minute, 1+hybridMargin)
	if head == 0 {
		return 0, retire
	}
	prewarm = scale(time.Duration(head)*time.Minute, 1-hybridMargin)
	return prewarm, retire - prewarm
}

// cv is the coefficient of variation of the bin counts: high for a peaked
// histogram, near 0 for a flat one.
func (h *hybridHistogram) cv() float64 {
	mean := float64(h.inRange) / hybridBins
	if mean == 0 {
		return 0
	}
	ss := 0.0
	for _, c := range h.bins {
		d := float64(c) - mean
		ss += d * d
	}
	return math.Sqrt(ss/hybridBins) / mean
}

// percentileBin is the bin holding the q-quantile of the in-range idle times.
func (h *hybridHistogram) percentileBin(q float64) int {
	target, cum := q*float64(h.inRange), 0
	for b, c := range h.bins {
		cum += c
		if float64(cum) >= target && cum > 0 {
			return b
		}
	}
	return hybridBins - 1
}

// stats reports the histogram for the Evidence.
func (h *hybridHistogram) stats() HybridStats {
	s := HybridStats{BinCV: h.cv()}
	if n := h.inRange + h.oob; n > 0 {
		s.OOBShare = float64(h.oob) / float64(n)
	}
	if h.inRange > 0 {
		s.P5 = time.Duration(h.percentileBin(hybridHeadPct)) * time.Minute
		s.P99 = time.Duration(h.percentileBin(hybridTailPct)+1) * time.Minute
	}
	return s
}

func scale(d time.Duration, f float64) time.Duration { return time.Duration(float64(d) * f) }

func meanDur(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return s / time.Duration(len(ds))
}
