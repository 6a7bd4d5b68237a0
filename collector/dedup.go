package collector

import (
	"hash/maphash"

	"github.com/faascope/faascope/schemas"
)

// recentSpans remembers the span keys (trace id + span id) shipped most
// recently, so a span that arrives again (an exporter retrying an export
// whose answer it lost, a request that repeats a span) is stored once.
//
// It holds two generations of open-addressing hash tables of 64-bit keys;
// when the current one is half full the older one is dropped, so memory is
// fixed (16 bytes per remembered span, two generations) and the window is
// the last capacity to 2×capacity spans. A 64-bit hash of the key stands for
// it: two different spans collide with probability about n²/2⁶⁵, 5e-7 for
// 4 million remembered spans.
type recentSpans struct {
	seed     maphash.Seed
	cur, old []uint64 // 0 marks an empty slot
	n        int      // keys in cur
	capacity int      // keys per generation
}

func newRecentSpans(capacity int) *recentSpans {
	size := 1
	for size < 2*capacity { // load factor at most 1/2
		size <<= 1
	}
	return &recentSpans{seed: maphash.MakeSeed(), cur: make([]uint64, size), old: make([]uint64, size), capacity: capacity}
}

func (r *recentSpans) key(rec *schemas.Invocation) uint64 {
	var h maphash.Hash
	h.SetSeed(r.seed)
	h.WriteString(rec.TraceID)
	h.WriteByte(0)
	h.WriteString(rec.SpanID)
	k := h.Sum64()
	if k == 0 {
		k = 1
	}
	return k
}

// seen reports whether rec's span was shipped before, and remembers it.
func (r *recentSpans) seen(rec *schemas.Invocation) bool {
	k := r.key(rec)
	if contains(r.cur, k) || contains(r.old, k) {
		return true
	}
	if r.n >= r.capacity {
		r.cur, r.old = r.old, r.cur
		clear(r.cur)
		r.n = 0
	}
	insert(r.cur, k)
	r.n++
	return false
}

func contains(t []uint64, k uint64) bool {
	mask := uint64(len(t) - 1)
	for i := k & mask; ; i = (i + 1) & mask {
		switch t[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
}

func insert(t []uint64, k uint64) {
	mask := uint64(len(t) - 1)
	i := k & mask
	for t[i] != 0 {
		i = (i + 1) & mask
	}
	t[i] = k
}

// dropSeen removes the records whose span was shipped before, in place.
func (r *recentSpans) dropSeen(recs []schemas.Invocation) (kept []schemas.Invocation, dropped int) {
	kept = recs[:0]
	for i := range recs {
		if r.seen(&recs[i]) {
			dropped++
			continue
		}
		kept = append(kept, recs[i])
	}
	return kept, dropped
}
