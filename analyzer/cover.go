package analyzer

import "time"

// pieces splits [from, to) into the whole units of the coarsest level
// allowed and, recursively, the finer pieces at either end. Empty pieces
// are left out.
func pieces(from, to time.Time, coarsest grain) []piece {
	if !from.Before(to) {
		return nil
	}
	if coarsest == grainRaw {
		return []piece{{level: grainRaw, from: from, to: to}}
	}
	u0, u1 := ceilTo(from, units[coarsest]), to.Truncate(units[coarsest])
	if !u0.Before(u1) {
		return pieces(from, to, coarsest+1)
	}
	out := []piece{{level: coarsest, from: u0, to: u1}}
	out = append(out, pieces(from, u0, coarsest+1)...)
	return append(out, pieces(u1, to, coarsest+1)...)
}

// sumPieces covers [from, to) like pieces, for sums, which can also be
// subtracted: an end may read its whole unit less the finer pieces outside
// the range, when that reads fewer rows. A range from 10:13 reads the hour
// from 10:00 less 13 minutes rather than 47 minutes. So an end reads at
// most half a unit of finer rows, a quarter on average: the edge minutes
// of a 30-day list, most of its rows, are halved.
func sumPieces(from, to time.Time, coarsest grain) []piece {
	ps, _ := cover(from, to, coarsest)
	return ps
}

// cover is the signed cover of [from, to) by levels from g down that reads
// the fewest rows per group, and that number: one per unit of a rollup,
// and one per second of raw rows (a floor for any function that is busy).
func cover(from, to time.Time, g grain) ([]piece, int64) {
	if !from.Before(to) {
		return nil, 0
	}
	if g == grainRaw {
		return []piece{{level: grainRaw, from: from, to: to}}, int64(to.Sub(from) / time.Second)
	}
	u := units[g]
	u0, u1 := ceilTo(from, u), to.Truncate(u)
	if u0.After(u1) { // inside one unit: its finer pieces, or the unit less the rest
		fine, cost := cover(from, to, g+1)
		start, end := from.Truncate(u), ceilTo(to, u)
		before, bc := cover(start, from, g+1)
		after, ac := cover(to, end, g+1)
		if 1+bc+ac < cost {
			out := append([]piece{{level: g, from: start, to: end}}, negated(before)...)
			return append(out, negated(after)...), 1 + bc + ac
		}
		return fine, cost
	}
	// Each end: its finer pieces, or its whole unit less the finer pieces
	// of the unit's part outside the range.
	start := u0
	head, hc := cover(from, u0, g+1)
	if rest, rc := cover(u0.Add(-u), from, g+1); 1+rc < hc {
		start, head, hc = u0.Add(-u), negated(rest), 1+rc
	}
	end := u1
	tail, tc := cover(u1, to, g+1)
	if rest, rc := cover(to, u1.Add(u), g+1); 1+rc < tc {
		end, tail, tc = u1.Add(u), negated(rest), 1+rc
	}
	var out []piece
	if start.Before(end) {
		out = []piece{{level: g, from: start, to: end}}
	}
	return append(append(out, head...), tail...), int64(end.Sub(start)/u) + hc + tc
}

// negated flips the sign of every piece.
func negated(ps []piece) []piece {
	out := make([]piece, len(ps))
	for i, p := range ps {
		p.minus = !p.minus
		out[i] = p
	}
	return out
}

// ceilTo rounds t up to a multiple of d.
func ceilTo(t time.Time, d time.Duration) time.Time {
	if r := t.Truncate(d); r.Before(t) {
		return r.Add(d)
	}
	return t
}
