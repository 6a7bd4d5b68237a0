package keepwarm

import (
	"fmt"
	"slices"
	"time"
)

// option is a candidate action before it is scored. rank orders them by
// moving parts, the tie-breaker of §5.6: none < phase ping < hours ping <
// 24/7 ping < reserved capacity < reserved plus ping.
type option struct {
	name      string
	rank      int
	schedules []schedule
	levels    *levels
	reserve   string
	note      string
}

// k is the largest concurrency of the option's ping schedules.
func (o *option) k() int {
	k := 0
	for _, s := range o.schedules {
		k = max(k, s.k)
	}
	return k
}

// toPlan expands the option into the pings and level steps of [from, to).
func (o *option) toPlan(f *features, from, to time.Duration) plan {
	pl := plan{name: o.name, reserve: o.reserve}
	for i := range o.schedules {
		pl.pings = append(pl.pings, o.schedules[i].pings(f.tr.origin, from, to, f.loc)...)
	}
	slices.SortStableFunc(pl.pings, func(a, b ping) int { return int(a.at - b.at) })
	if o.levels != nil {
		pl.levels = o.levels.steps(f.tr.origin, from, to, f.loc, f.params.PCLeadTime)
	}
	return pl
}

// options builds the candidates of §5.4 the features allow.
func options(f *features) []option {
	p := f.params
	opts := []option{{name: ActionNone}}
	kBurst := f.burst.p95
	k, note := min(kBurst, p.KMaxPing), ""
	if kBurst > p.KMaxPing {
		// Guard 4: pings cannot be trusted to warm that many instances
		// (§3.3); they keep k = 1 for idle cold starts, reserved capacity
		// is the candidate for the bursts.
		k, note = 1, fmt.Sprintf("bursts need %d warm instances, more than k_max_ping=%d: pings keep one warm", kBurst, p.KMaxPing)
	}
	every := pingPeriod(f.fit.safe)
	if f.phase.periodic && !f.runs.empty() {
		if off, ok := pingOffset(f.phase, f.initP50, f.fit.safe, p); ok {
			opts = append(opts, option{name: ActionPhasePing, rank: 1, note: note,
				schedules: []schedule{{slots: f.runs, every: time.Hour, offset: off, k: k, delay: p.HandlerDelay}}})
		}
	}
	if !f.prof.active.empty() {
		opts = append(opts, option{name: ActionPing, rank: 2, note: note,
			schedules: []schedule{{slots: padded(f.prof.active), every: every, k: k, delay: p.HandlerDelay}}})
	} else {
		// A 24/7 pinger only when no hour stands out: for latency-critical
		// but unpredictable functions (§5.4 C3).
		opts = append(opts, option{name: ActionPing24x7, rank: 3, note: note,
			schedules: []schedule{{slots: allSlots(), every: every, k: k, delay: p.HandlerDelay}}})
	}
	return append(opts, reservedOptions(f, every)...)
}

// reservedOptions are C4-C6: the platform's reserved capacity at L'(b), and
// on AWS the same with a k = 1 pinger instead of PC in the shoulder hours
// where one instance would sit nearly idle.
func reservedOptions(f *features, every time.Duration) []option {
	if f.prov.reserved == "" {
		return nil
	}
	lv := reservedLevels(&f.prof, f.params.MaxPCChangesPerDay)
	if lv.max() == 0 {
		return nil
	}
	opts := []option{{name: f.prov.reserved, rank: 4, levels: &lv, reserve: f.prov.reserved}}
	if f.prov.reserved != ActionProvisioned {
		return opts
	}
	peak, shoulder := lv, slots{}
	for dt := range peak {
		for h, n := range peak[dt] {
			if n == 1 && f.prof.hours[dt][h].MeanConcurrency < breakEvenUtilization {
				peak[dt][h] = 0
				shoulder.addDayType(dt, h)
			}
		}
	}
	if peak.max() > 0 && !shoulder.empty() {
		opts = append(opts, option{name: ActionProvisionedPing, rank: 5, levels: &peak, reserve: ActionProvisioned,
			schedules: []schedule{{slots: shoulder, every: every, k: 1}}})
	}
	return opts
}

// breakEvenUtilization is where PC plus its duration rate costs the same as
// on-demand duration: 4.1667 + 9.7222·u = 16.6667·u (§3.4).
const breakEvenUtilization = 0.6

// pingPeriod is the longest cron-expressible period at most half of T_safe,
// so a missed ping still leaves the instance warm: 5 min on AWS (T_safe 10
// min, the community default T1, T3) and 10 min on Azure Consumption (20 min),
// the values §5.4 C2 gives.
func pingPeriod(safe time.Duration) time.Duration {
	p := time.Minute
	for _, d := range []int{1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30} {
		if time.Duration(d)*time.Minute <= safe/2 {
			p = time.Duration(d) * time.Minute
		}
	}
	return p
}

// padded adds the hour before each run of active hours, so the first call of
// the run finds an instance the pinger already warmed (§5.4 C2).
func padded(s slots) slots {
	out := s
	for d := range s {
		for h := range s[d] {
			if !s[d][h] {
				continue
			}
			pd, ph := d, h-1
			if ph < 0 {
				pd, ph = (d+6)%7, 23
			}
			out[pd][ph] = true
		}
	}
	return out
}
