package analyzer

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// A signed cover counts every instant of the range once and nothing
// outside it; its pieces are whole units of their level; and each end
// reads at most half a unit of the next finer level.
func TestSumPiecesCoverTheRangeOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 2000; i++ {
		from := base.Add(time.Duration(rng.Int64N(int64(40 * day))))
		to := from.Add(time.Duration(rng.Int64N(int64(35 * day))))
		if i%2 == 0 { // most ranges are whole minutes (Filter.truncated)
			from, to = from.Truncate(time.Minute), to.Truncate(time.Minute)
		}
		for _, g := range []grain{grainDay, grainHour, grainMinute, grainRaw} {
			ps := sumPieces(from, to, g)
			checkCover(t, from, to, g, ps)
		}
	}
}

func checkCover(t *testing.T, from, to time.Time, g grain, ps []piece) {
	t.Helper()
	type step struct {
		at time.Time
		d  int
	}
	var steps []step
	minutes := 0
	for _, p := range ps {
		if p.level < g || !p.from.Before(p.to) {
			t.Fatalf("[%s, %s) at %d: bad piece %+v", from, to, g, p)
		}
		if u, ok := units[p.level]; ok && (!p.from.Equal(p.from.Truncate(u)) || !p.to.Equal(p.to.Truncate(u))) {
			t.Fatalf("[%s, %s): piece %+v is not whole units", from, to, p)
		}
		if p.level == grainMinute {
			minutes += int(p.to.Sub(p.from) / time.Minute)
		}
		sign := 1
		if p.minus {
			sign = -1
		}
		steps = append(steps, step{p.from, sign}, step{p.to, -sign})
	}
	steps = append(steps, step{from, -1}, step{to, 1}) // the range itself, subtracted: all must cancel
	sort.Slice(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })
	depth := 0
	for i, s := range steps {
		depth += s.d
		if depth != 0 && (i == len(steps)-1 || !steps[i+1].at.Equal(s.at)) {
			t.Fatalf("[%s, %s) at %d: covered %d times from %s: %+v", from, to, g, depth, s.at, ps)
		}
	}
	if g <= grainHour && from.Equal(from.Truncate(time.Minute)) && to.Equal(to.Truncate(time.Minute)) && minutes > 60 {
		t.Fatalf("[%s, %s) at %d: %d edge minutes, want at most 60: %+v", from, to, g, minutes, ps)
	}
}

// Ends past the middle of their unit read the unit less the rest.
func TestSumPiecesSubtractTheShorterSide(t *testing.T) {
	from := time.Date(2026, 11, 20, 10, 13, 0, 0, time.UTC)
	to := time.Date(2026, 11, 20, 12, 50, 0, 0, time.UTC)
	got := sumPieces(from, to, grainDay)
	want := []piece{
		{level: grainHour, from: from.Truncate(time.Hour), to: ceilTo(to, time.Hour)},
		{level: grainMinute, from: from.Truncate(time.Hour), to: from, minus: true},
		{level: grainMinute, from: to, to: ceilTo(to, time.Hour), minus: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].level != want[i].level || !got[i].from.Equal(want[i].from) || !got[i].to.Equal(want[i].to) || got[i].minus != want[i].minus {
			t.Fatalf("piece %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// Subtracted pieces wrap counts around and back; a group left with nothing
// is dropped, and a count left below zero reads zero.
func TestNetUsage(t *testing.T) {
	row := func(fn string, u Usage, minus bool) usageRow {
		if minus {
			u.negate()
		}
		return usageRow{usageKey{FunctionKey: FunctionKey{FunctionName: fn}}, u}
	}
	reads := [][]usageRow{
		{row("a", Usage{Invocations: 10, DurationMsSum: 50}, false), row("gone", Usage{Invocations: 2}, false), row("short", Usage{Invocations: 1, Throttles: 1}, false)},
		{row("a", Usage{Invocations: 7, DurationMsSum: 20}, true), row("gone", Usage{Invocations: 2}, true), row("short", Usage{Invocations: 2}, true)},
		{row("a", Usage{Invocations: 1, DurationMsSum: 1}, false)},
	}
	rows, err := netUsage(reads)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Usage{}
	for _, r := range rows {
		got[r.FunctionName] = r.Usage
	}
	want := map[string]Usage{"a": {Invocations: 4, DurationMsSum: 31}, "short": {Throttles: 1}}
	if len(got) != 2 || got["a"] != want["a"] || got["short"] != want["short"] {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
