package keepwarm

import (
	"errors"
	"time"

	"github.com/faascope/faascope/billing"
)

// Policies Compare replays (§6.1).
const (
	PolicyNone        = "none"
	PolicyFixed10m    = "fixed_10m"
	PolicyPinger24x7  = "pinger_5m_24x7"
	PolicyHybrid      = "hybrid_histogram"
	PolicyRecommender = "recommender"
)

// Compare is the holdout evaluation of §6: it trains the recommender on
// [trainFrom, split) and replays [split, to) under no keep-warm, a fixed
// 10-minute keep-alive, a 24/7 5-minute pinger, the hybrid histogram (which
// learns online over the whole window) and the recommendation, all under the
// platform model fitted on the training part. AddedUSD is each policy's
// bill minus no keep-warm's, at marginal list prices.
func Compare(fn Function, trainFrom, split, to time.Time, cat *billing.Catalog, p Params) ([]PolicyResult, Recommendation, error) {
	if !split.After(trainFrom) || !to.After(split) {
		return nil, Recommendation{}, errors.New("keepwarm: need trainFrom < split < to")
	}
	rec, f, chosen, err := recommend(&fn, trainFrom, split, cat, &p)
	if err != nil {
		return nil, rec, err
	}
	full := newTrace(fn.Invocations, trainFrom, to)
	h := &holdout{f: f, tr: full, from: split.Sub(trainFrom), to: to.Sub(trainFrom)}
	h.causes = causes(full.calls, f.fit.safe)
	m := f.model(f.fit.evict)
	fixed := plan{name: PolicyFixed10m, keepAlive: 10 * time.Minute}
	pinger := (&option{name: PolicyPinger24x7, schedules: []schedule{{slots: allSlots(), every: 5 * time.Minute, k: 1}}}).toPlan(f, h.from, h.to)
	recPlan := chosen.toPlan(f, h.from, h.to)
	recPlan.name = PolicyRecommender
	pr := &pricer{cat: cat, fn: &fn, plan: f.prov.plan, month: split, params: &p}
	plans := []plan{{name: PolicyNone}, fixed, pinger, {name: PolicyHybrid, hybrid: true}, recPlan}
	out := make([]PolicyResult, len(plans))
	for i := range plans {
		if out[i], err = h.result(m, &plans[i], pr); err != nil {
			return nil, rec, err
		}
	}
	base := out[0].AddedUSD
	for i := range out {
		out[i].AddedUSD -= base
	}
	return out, rec, nil
}

// holdout is the scored part of a Compare window.
type holdout struct {
	f        *features
	tr       trace
	causes   []cause
	from, to time.Duration
}

// result replays one plan and reports it; AddedUSD holds the whole bill
// until Compare subtracts the baseline's.
func (h *holdout) result(m *model, pl *plan, pr *pricer) (PolicyResult, error) {
	t := run(m, pl, h.tr.calls, h.from, h.to)
	usd, err := pr.cost(t.use, pl.reserve)
	if err != nil {
		return PolicyResult{}, err
	}
	r := PolicyResult{
		Policy: pl.name, Invocations: t.calls, ColdStarts: t.cold, PingColdStarts: t.pingCold, Pings: t.pings, Firings: t.firings, Collisions: t.collisions,
		IdleInstanceSeconds: t.idle.Seconds(), WarmGBs: t.idle.Seconds() * billing.MBToGB(float64(h.f.fn.MemoryMB)), AddedUSD: usd,
		ObservedColdStarts: h.tr.observedCold(h.from),
	}
	served := h.f.served()
	for i := range h.tr.calls {
		c := &h.tr.calls[i]
		if c.at < h.from || c.at >= h.to {
			continue
		}
		active := served.has(h.tr.origin.Add(c.at).In(h.f.loc))
		switch {
		case h.causes[i] == causeIdle:
			r.IdleCalls++
			r.IdleColdStarts += b2i(t.cold1[i])
			if active {
				r.IdleCallsActive++
				r.IdleColdStartsActive += b2i(t.cold1[i])
			}
		case h.causes[i] == causeScaleOut:
			r.ScaleOutColdStarts += b2i(t.cold1[i])
		}
	}
	return r, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
