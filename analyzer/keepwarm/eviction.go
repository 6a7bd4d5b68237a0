package keepwarm

import "time"

// Eviction-curve constants (§5.3b).
const (
	curveBuckets  = 60 // 1-minute gap buckets up to 60 min
	minFitColds   = 10 // fewer cold starts after an idle gap: use the prior
	coldLikely    = 0.9
	coldUnlikely  = 0.1
	sourceFitted  = "fitted"
	sourcePrior   = "prior"
	sourceClamped = "prior clamped to the observed bracket"
)

// evictionFit is the idle lifetime model learnt from cold flags.
type evictionFit struct {
	evict, safe time.Duration
	source      string
	curve       []float64 // -1 where a bucket has no observation
}

// fitEviction fits P(cold | idle gap) as an isotonic step function over
// 1-minute buckets from the calls that arrived to no execution in flight.
// T_evict is where the curve first reaches 0.9 and T_safe where it last
// stays at or below 0.1. The data only bracket the step: a function always
// idle for an hour shows cold starts at 60 min and says nothing about 10 min.
// So the prior is clamped into [T_safe, T_evict] as observed, and used
// alone when fewer than 10 cold starts or no bracket side is seen.
func fitEviction(calls []call, prior time.Duration) evictionFit {
	cold, total := make([]float64, curveBuckets), make([]float64, curveBuckets)
	colds := 0
	for i := range calls {
		c := &calls[i]
		if c.gap < 0 {
			continue
		}
		if c.cold {
			colds++
		}
		if b := int(c.gap / time.Minute); b < curveBuckets {
			total[b]++
			if c.cold {
				cold[b]++
			}
		}
	}
	fit := evictionFit{evict: prior, safe: prior, source: sourcePrior, curve: isotonic(cold, total)}
	if colds < minFitColds {
		return fit
	}
	lo, hi := bracket(fit.curve)
	if lo < 0 && hi < 0 {
		return fit
	}
	fit.source = sourceClamped
	if lo >= 0 && hi >= 0 && hi-lo <= time.Minute {
		fit.source = sourceFitted
	}
	if lo >= 0 {
		fit.evict = max(fit.evict, lo)
	}
	if hi >= 0 {
		fit.evict = min(fit.evict, hi)
	}
	fit.safe = fit.evict
	if lo >= 0 {
		fit.safe = min(lo, fit.evict)
	}
	return fit
}

// bracket returns the upper edge of the last bucket with P ≤ 0.1 before the
// first with P ≥ 0.9, and that bucket's lower edge; -1 for a side not seen.
func bracket(curve []float64) (lo, hi time.Duration) {
	lo, hi = -1, -1
	for b, p := range curve {
		switch {
		case p < 0:
		case p >= coldLikely:
			return lo, time.Duration(b) * time.Minute
		case p <= coldUnlikely:
			lo = time.Duration(b+1) * time.Minute
		}
	}
	return lo, hi
}

// isotonic is the weighted pool-adjacent-violators fit of cold/total as a
// non-decreasing function of the bucket; empty buckets get -1.
func isotonic(cold, total []float64) []float64 {
	type block struct {
		sum, w float64
		n      int
	}
	var blocks []block
	for b := range total {
		if total[b] == 0 {
			continue
		}
		blocks = append(blocks, block{cold[b], total[b], 1})
		for len(blocks) > 1 {
			last, prev := blocks[len(blocks)-1], blocks[len(blocks)-2]
			if prev.sum/prev.w <= last.sum/last.w {
				break
			}
			blocks = append(blocks[:len(blocks)-2], block{prev.sum + last.sum, prev.w + last.w, prev.n + last.n})
		}
	}
	out := make([]float64, len(total))
	k, used := 0, 0
	for b := range total {
		if total[b] == 0 {
			out[b] = -1
			continue
		}
		out[b] = blocks[k].sum / blocks[k].w
		if used++; used == blocks[k].n {
			k, used = k+1, 0
		}
	}
	return out
}
