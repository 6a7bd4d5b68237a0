package keepwarm

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/faascope/faascope/billing"
)

const (
	month          = 30 * 24 * time.Hour
	alreadyWarmMax = 0.005 // cold-start share under which a function is already warm (§5.6 guard 3)
	bootstrapRuns  = 1000
)

// Recommend trains on fn's invocations in [from, to) and says what to do
// about its cold starts (§5). The window should hold whole weeks, 14 days
// ideally, so every weekday and the weekend are seen at least twice.
func Recommend(fn Function, from, to time.Time, cat *billing.Catalog, p Params) (Recommendation, error) {
	rec, _, _, err := recommend(&fn, from, to, cat, &p)
	return rec, err
}

// scored is a candidate with its replay of the training window.
type scored struct {
	opt  *option
	t    tally
	usd  float64 // the replay's bill
	cand Candidate
}

// recommend returns the recommendation with the features and the option it
// chose, which Compare replays on the holdout.
func recommend(fn *Function, from, to time.Time, cat *billing.Catalog, p *Params) (Recommendation, *features, *option, error) {
	if !to.After(from) || cat == nil {
		return Recommendation{}, nil, nil, errors.New("keepwarm: need a window with to after from and a price catalog")
	}
	if p.Location == nil {
		p.Location = time.UTC
	}
	f := extract(fn, from, to, p)
	rec := Recommendation{Action: ActionNone, Evidence: f.evidence(), Confidence: "low"}
	none := &option{name: ActionNone}
	switch {
	case f.tr.days() < float64(p.MinDays) || len(f.tr.calls) < p.MinInvocations:
		rec.Reason = ReasonInsufficientData
		rec.Explanation = []string{sayInsufficient(f)}
		return rec, f, none, nil
	case f.value == 0:
		rec.Reason = ReasonAsyncTrigger
		rec.Explanation = []string{sayAsync(f)}
		return rec, f, none, nil
	}
	pr := &pricer{cat: cat, fn: fn, plan: f.prov.plan, month: from, params: p}
	sc, err := f.score(options(f), pr)
	if err != nil {
		return rec, f, none, err
	}
	rec.Evidence.ReplayedColdStarts = sc[0].t.cold
	for i := range sc {
		rec.Alternatives = append(rec.Alternatives, sc[i].cand)
	}
	pick, reason := f.choose(sc)
	rec.Reason = reason
	f.fill(&rec, sc, pick)
	return rec, f, pick.opt, nil
}

// score replays every option on the training window and prices it; the
// first option is none, the baseline the others are measured against.
func (f *features) score(opts []option, pr *pricer) ([]scored, error) {
	m := f.model(f.fit.evict)
	months := float64(month) / float64(f.tr.span)
	gb := billing.MBToGB(float64(f.fn.MemoryMB))
	out := make([]scored, len(opts))
	for i := range opts {
		pl := opts[i].toPlan(f, 0, f.tr.span)
		t := run(m, &pl, f.tr.calls, 0, f.tr.span)
		usd, err := pr.cost(t.use, opts[i].reserve)
		if err != nil {
			return nil, err
		}
		out[i] = scored{opt: &opts[i], t: t, usd: usd}
	}
	base := &out[0]
	for i := range out {
		s := &out[i]
		avoided := float64(base.t.cold - s.t.cold)
		added := s.usd - base.usd
		warm := (s.t.idle - base.t.idle).Seconds() * gb
		s.cand = Candidate{
			Name: s.opt.name, ColdStarts: s.t.cold, PingColdStarts: s.t.pingCold, Pings: s.t.pings, Collisions: s.t.collisions,
			WarmGBs: s.t.idle.Seconds() * gb, AddedUSD: added, K: s.opt.k(), Note: s.opt.note,
			ColdStartsAvoidedPerMonth: avoided * months, AddedCostPerMonthUSD: added * months,
			NetBenefitMonth: (f.value*avoided - added - f.params.ShadowPriceWarmGBs*warm) * months,
		}
	}
	return out, nil
}

// choose applies the decision rule of §5.6: the largest positive net
// benefit, ties (within TieTolerance) going to fewer moving parts, never an
// option that adds cold starts, and guard 3 for functions already warm.
func (f *features) choose(sc []scored) (*scored, string) {
	best := &sc[0]
	for i := range sc {
		if sc[i].t.cold <= sc[0].t.cold && sc[i].cand.NetBenefitMonth > best.cand.NetBenefitMonth {
			best = &sc[i]
		}
	}
	if f.alreadyWarm() && !savesMoney(best, f) {
		return &sc[0], ReasonAlreadyWarm
	}
	if best.cand.NetBenefitMonth <= 0 {
		if sc[0].t.cold == 0 {
			return &sc[0], ReasonNoColdStarts
		}
		return &sc[0], ReasonCostExceedsValue
	}
	pick := best
	floor := best.cand.NetBenefitMonth * (1 - f.params.TieTolerance)
	for i := range sc {
		if sc[i].opt.rank < pick.opt.rank && sc[i].t.cold <= sc[0].t.cold && sc[i].cand.NetBenefitMonth >= floor {
			pick = &sc[i]
		}
	}
	return pick, ""
}

// alreadyWarm is guard 3: under 0.5 % of calls start cold and those are
// nearly all scale-out, which pings cannot prevent.
func (f *features) alreadyWarm() bool {
	cold := f.attr.total()
	return cold > 0 && float64(cold) < alreadyWarmMax*float64(len(f.tr.calls)) && f.attr.idle*10 <= cold
}

// savesMoney is the exception to guard 3: reserved capacity used enough
// (u ≥ 0.6 in some bucket) to cost less than on-demand (§3.4, §6.3 item 5).
func savesMoney(s *scored, f *features) bool {
	return s.opt.levels != nil && s.cand.AddedUSD < 0 && bestUtilization(s.opt.levels, &f.prof) >= breakEvenUtilization
}

// fill writes the chosen action, its schedules and expected effect.
func (f *features) fill(rec *Recommendation, sc []scored, pick *scored) {
	rec.Action = pick.opt.name
	c := pick.cand
	rec.ColdStartsAvoidedPerMonth, rec.AddedCostPerMonthUSD = c.ColdStartsAvoidedPerMonth, c.AddedCostPerMonthUSD
	rec.WarmGBsPerMonth = c.WarmGBs * float64(month) / float64(f.tr.span)
	rec.ColdStartsAvoidedLow, rec.ColdStartsAvoidedHigh = bootstrap(sc[0].t.coldByDay, pick.t.coldByDay, f.params.Seed)
	for i := range pick.opt.schedules {
		rec.Schedules = append(rec.Schedules, pingCrons(&pick.opt.schedules[i], f.loc, f.tr.origin.Add(f.tr.span))...)
	}
	if pick.opt.levels != nil {
		rec.Provisioned = levelsOut(pick.opt.levels, &f.prof, f.params.PCLeadTime, f.loc, f.tr.origin.Add(f.tr.span), pick.opt.reserve)
	}
	var basis []string
	rec.Confidence, basis = f.confidence(rec, sc[0].t.cold)
	rec.Explanation = append(f.explain(rec, pick), basis...)
}

// bootstrap is the 80 % interval of the monthly cold starts avoided,
// resampling the training days (§5.1 expected, day-level bootstrap).
func bootstrap(base, alt []int, seed uint64) (lo, hi float64) {
	n := len(base)
	if n == 0 {
		return 0, 0
	}
	rng := rand.New(rand.NewPCG(seed, 0xb007))
	means := make([]float64, bootstrapRuns)
	for b := range means {
		sum := 0
		for range n {
			d := rng.IntN(n)
			sum += base[d] - alt[d]
		}
		means[b] = float64(sum) / float64(n) * month.Hours() / 24
	}
	slices.Sort(means)
	return means[int(0.1*bootstrapRuns)], means[int(0.9*bootstrapRuns)-1]
}

// confidence grades the recommendation on four checks and says which held.
func (f *features) confidence(rec *Recommendation, replayed int) (string, []string) {
	observed := f.tr.observedCold(0)
	checks := []struct {
		ok   bool
		text string
	}{
		{f.tr.days() >= 14, "14 or more days of data"},
		{math.Abs(float64(replayed-observed)) <= max(2, 0.15*float64(observed)), "the no-keep-warm replay matches the observed cold starts within ±15 %"},
		{f.fit.source == sourceFitted, "the eviction time is fitted from the function's own cold starts"},
		{rec.ColdStartsAvoidedHigh-rec.ColdStartsAvoidedLow <= 0.5*math.Max(rec.ColdStartsAvoidedPerMonth, 1), "the day-to-day spread of the effect is small"},
	}
	held := 0
	var out []string
	for _, c := range checks {
		if c.ok {
			held++
			out = append(out, "Confidence basis: "+c.text+".")
		} else {
			out = append(out, "Confidence basis: not "+c.text+".")
		}
	}
	switch {
	case held == len(checks):
		return "high", out
	case held >= 2:
		return "medium", out
	}
	return "low", out
}
