package keepwarm

import (
	"time"

	"github.com/faascope/faascope/billing"
)

// features is everything §5.3 extracts from a training window.
type features struct {
	fn      *Function
	params  *Params
	loc     *time.Location
	prov    provider
	tr      trace
	fit     evictionFit
	causes  []cause
	attr    attribution
	prof    profile
	phase   phaseFit
	runs    slots // the hours a periodic job runs in (phaseSlots)
	burst   burstFit
	initP50 time.Duration
	durP50  time.Duration
	value   float64 // V, dollars per avoided cold start
}

// extract computes the features of fn over [from, to).
func extract(fn *Function, from, to time.Time, p *Params) *features {
	f := &features{fn: fn, params: p, loc: p.Location, prov: providerOf(fn), tr: newTrace(fn.Invocations, from, to)}
	calls := f.tr.calls
	f.initP50, f.durP50 = f.tr.initP50(fn.Runtime), f.tr.durationP50()
	f.value = coldStartValue(fn, f.initP50, p)
	f.fit = fitEviction(calls, f.prov.evict)
	f.causes = causes(calls, f.fit.safe)
	f.attr = attribute(calls, f.causes)
	grid := hourGrid(from, to.Sub(from), f.loc)
	observe(grid, calls, f.causes)
	f.prof = buildProfile(grid, p)
	f.phase = detectPhase(calls, from, f.loc, f.fit.evict)
	if f.phase.periodic {
		f.runs = phaseSlots(calls, from, f.loc, f.phase, &f.prof, p.ThetaActive)
	}
	burstSlots := f.prof.active
	if burstSlots.empty() {
		burstSlots = allSlots()
	}
	f.burst = sessionBursts(calls, from, f.loc, &burstSlots, f.fit.safe, f.initP50+f.durP50+time.Second)
	return f
}

// served are the hours a recommendation targets: the active hours and the
// hours a periodic job runs in.
func (f *features) served() slots {
	s := f.prof.active
	for d := range s {
		for h := range s[d] {
			s[d][h] = s[d][h] || f.runs[d][h]
		}
	}
	return s
}

// coldStartValue is V (§5.6): the user's value, or the latency value of the
// median init for sync triggers; async cold starts are rarely felt.
func coldStartValue(fn *Function, initP50 time.Duration, p *Params) float64 {
	switch {
	case p.ValuePerColdStartUSD > 0:
		return p.ValuePerColdStartUSD
	case syncTrigger(fn.Trigger):
		return p.LatencyValuePerSecondUSD * initP50.Seconds()
	}
	return 0
}

// model is the replay platform calibrated on these features.
func (f *features) model(evict time.Duration) *model {
	return &model{
		origin: f.tr.origin, evict: evict, init: f.initP50, memoryMB: f.fn.MemoryMB,
		meter: billing.MeterFor(f.prov.plan), hold: f.params.PingHold, delay: f.params.HandlerDelay,
		rho1: f.params.PingReliabilityOne, rhoK: f.params.PingReliability, seed: f.params.Seed,
	}
}

// hybridStats builds the idle-time histogram of the whole training window.
func (f *features) hybridStats() HybridStats {
	var h hybridHistogram
	for i := range f.tr.calls {
		if g := f.tr.calls[i].gap; g >= 0 {
			h.add(g)
		}
	}
	return h.stats()
}

func (f *features) evidence() Evidence {
	return Evidence{
		Days: f.tr.days(), Invocations: len(f.tr.calls), Warmups: f.tr.warmups,
		ObservedColdStarts: f.tr.observedCold(0),
		EvictAfter:         f.fit.evict, SafeGap: f.fit.safe, EvictionSource: f.fit.source, EvictionCurve: f.fit.curve,
		Idle: f.attr.idle, ScaleOut: f.attr.scaleOut, Deploy: f.attr.deploy, Other: f.attr.other,
		InitP50: f.initP50, DurationP50: f.durP50, ValuePerColdStartUSD: f.value,
		Hours:    f.prof.hourList(),
		Periodic: f.phase.periodic, Period: f.phase.period, Phase: f.phase.phase, Jitter: f.phase.jitter, PhaseShare: f.phase.share,
		Sessions: f.burst.sessions, BurstP50: f.burst.p50, BurstP95: f.burst.p95,
		Hybrid: f.hybridStats(),
	}
}
