package keepwarm

import (
	"fmt"
	"strings"
	"time"
)

func sayInsufficient(f *features) string {
	return fmt.Sprintf("Only %d invocations over %.0f days: at least %d over %d days are needed to tell a pattern from chance.",
		len(f.tr.calls), f.tr.days(), f.params.MinInvocations, f.params.MinDays)
}

func sayAsync(f *features) string {
	return fmt.Sprintf("Trigger %q is asynchronous: nobody waits on its cold starts, so they are worth nothing unless you set a value per cold start.", f.fn.Trigger)
}

// explain says, in words, what the recommendation rests on.
func (f *features) explain(rec *Recommendation, pick *scored) []string {
	out := []string{f.sayEviction(), f.sayCauses()}
	if s := f.sayHours(); s != "" {
		out = append(out, s)
	}
	if f.phase.periodic {
		out = append(out, fmt.Sprintf("%.0f %% of calls come within ±2 min of %s past the %s (p95 jitter %s).",
			100*f.phase.share, f.phase.phase.Round(time.Second), periodName(f.phase.period), f.phase.jitter.Round(time.Millisecond)))
	}
	if f.burst.sessions > 0 {
		out = append(out, fmt.Sprintf("Sessions start with up to %d concurrent calls (p95 of %d sessions; median %d).", f.burst.p95, f.burst.sessions, f.burst.p50))
	}
	out = append(out, f.sayAction(rec, pick)...)
	if heavyInitRuntime(f.fn.Runtime, f.initP50) {
		out = append(out, fmt.Sprintf("Median init %s is over twice the %s baseline: SnapStart, AOT or trimming dependencies makes every remaining cold start cheaper.", f.initP50.Round(time.Millisecond), f.fn.Runtime))
	}
	return out
}

func periodName(p time.Duration) string {
	if p == time.Hour {
		return "hour"
	}
	return "day"
}

func (f *features) sayEviction() string {
	switch f.fit.source {
	case sourcePrior:
		return fmt.Sprintf("Idle instances are assumed to live %s (the %s prior, §4.2): too few cold starts after an idle gap to fit it.", f.fit.evict, f.prov.name)
	case sourceClamped:
		return fmt.Sprintf("Idle instances live about %s: the %s prior, kept inside what the cold starts show (safe gap %s).", f.fit.evict, f.prov.name, f.fit.safe)
	}
	return fmt.Sprintf("Idle instances are evicted after %s, fitted from the function's own cold starts.", f.fit.evict)
}

func (f *features) sayCauses() string {
	a := f.attr
	return fmt.Sprintf("%d of %d calls started cold: %d after an idle gap, %d on scale-out, %d after a deploy, %d other.",
		a.total(), len(f.tr.calls), a.idle, a.scaleOut, a.deploy, a.other)
}

// sayHours lists the active hours, or says why there are none.
func (f *features) sayHours() string {
	var parts []string
	for dt := range f.prof.hours {
		var hours []int
		for h, st := range f.prof.hours[dt] {
			if st.Active {
				hours = append(hours, h)
			}
		}
		if len(hours) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", dayTypeNames[dt], hoursText(hours)))
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("No hour of the day has traffic on at least %.0f %% of days beyond what chance gives (binomial test, p < %g).", 100*f.params.ThetaActive, f.params.ActiveAlpha)
	}
	return fmt.Sprintf("Active hours (%s): %s — traffic on at least %.0f %% of those days, significant against the rate elsewhere (p < %g).",
		f.loc, strings.Join(parts, ", "), 100*f.params.ThetaActive, f.params.ActiveAlpha)
}

// sayAction describes the chosen action and its price, or why none.
func (f *features) sayAction(rec *Recommendation, pick *scored) []string {
	c := pick.cand
	switch rec.Reason {
	case ReasonAlreadyWarm:
		return []string{"Cold starts are under 0.5 % of calls and come from scale-out: keep-warm would not remove them, and no hour is busy enough for reserved capacity to save money."}
	case ReasonCostExceedsValue:
		return []string{fmt.Sprintf("No action is worth its cost at $%.6f per avoided cold start.", f.value)}
	case ReasonNoColdStarts:
		return []string{"The replay shows no cold starts to avoid."}
	}
	out := []string{fmt.Sprintf("%s avoids about %.0f cold starts a month (80 %% interval %.0f–%.0f) for $%.4f a month added, with %d pings a month; each avoided cold start is worth $%.6f.",
		rec.Action, c.ColdStartsAvoidedPerMonth, rec.ColdStartsAvoidedLow, rec.ColdStartsAvoidedHigh, c.AddedCostPerMonthUSD,
		int(float64(c.Pings)*float64(month)/float64(f.tr.span)), f.value)}
	if c.Note != "" {
		out = append(out, strings.ToUpper(c.Note[:1])+c.Note[1:]+".")
	}
	if len(rec.Schedules) > 0 {
		out = append(out, "Pings are best-effort: no SLA, instances are still recycled, k > 1 may land on fewer instances, and a warmer only warms the path it calls (alias, API Gateway, VPC). Send the payload marker and return early; with k > 1 hold each call for the handler delay so they overlap.")
	}
	for _, l := range rec.Provisioned {
		out = append(out, fmt.Sprintf("%s %02d-%02dh: %d reserved, %.0f %% utilized.", l.Days, l.FromHour, l.ToHour, l.Count, 100*l.Utilization))
	}
	return out
}
