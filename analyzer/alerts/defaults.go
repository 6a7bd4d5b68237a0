package alerts

import (
	"slices"
	"time"
)

// Names of the built-in rules.
const (
	RuleColdStartRate     = "faascope-cold-start-rate"
	RuleThrottleRate      = "faascope-throttle-rate"
	RuleDailyCostIncrease = "faascope-daily-cost-increase"
)

// perFunction groups by every label, so each function alerts on its own.
var perFunction = []string{"provider", "account", "region", "function"}

// DefaultRules are the built-in rules, on unless a configured rule of the
// same name replaces or disables them (Merge):
//
//   - cold-start rate >= 20% over 15 minutes, with at least 20 invocations,
//     per function;
//   - throttle rate >= 10% over 15 minutes, with at least 20 calls, per
//     function;
//   - an account's cost over the last 24 hours up 20% or more on the same
//     hours a week earlier (the same weekday), with at least 1000
//     invocations. Per account, not per function: a cost alert is worth a
//     page when the bill moves, and a function's cents doubling is noise.
//
// The rate rules wait 5 minutes (For) so that a burst of deploys or a
// scale-out does not page; a daily cost moves slowly and fires at once.
func DefaultRules() []Rule {
	return []Rule{
		{
			Name: RuleColdStartRate, Metric: ColdStartRate, GroupBy: slices.Clone(perFunction),
			Comparator: ">=", Threshold: 0.2, Window: 15 * time.Minute, For: 5 * time.Minute,
			MinInvocations: 20, Severity: SeverityWarning,
			Annotations: map[string]string{
				"summary":     `{{.Function}}: {{pct .Value}} of invocations started cold over 15m (threshold {{pct .Threshold}})`,
				"description": `Cold starts add init latency to every request they serve. See the keep-warm recommendation: {{.Link}}`,
			},
		},
		{
			Name: RuleThrottleRate, Metric: ThrottleRate, GroupBy: slices.Clone(perFunction),
			Comparator: ">=", Threshold: 0.1, Window: 15 * time.Minute, For: 5 * time.Minute,
			MinInvocations: 20, Severity: SeverityWarning,
			Annotations: map[string]string{
				"summary":     `{{.Function}}: {{pct .Value}} of calls throttled over 15m (threshold {{pct .Threshold}})`,
				"description": `Callers are refused: raise the concurrency limit or reserve concurrency. {{.Link}}`,
			},
		},
		{
			Name: RuleDailyCostIncrease, Metric: CostChangePct, GroupBy: []string{"provider", "account"},
			Comparator: ">=", Threshold: 20, Window: 24 * time.Hour,
			MinInvocations: 1000, Severity: SeverityWarning,
			Annotations: map[string]string{
				"summary": `Account {{index .Labels "account"}}: cost of the last 24h up {{printf "%.0f" .Value}}% on the same day last week (threshold {{printf "%.0f" .Threshold}}%)`,
			},
		},
	}
}

// Merge returns the built-in rules followed by the configured ones, where a
// configured rule named like a built-in takes the built-in's place (its
// whole definition: there is no partial override).
func Merge(builtins, configured []Rule) []Rule {
	out := slices.Clone(builtins)
	for _, r := range configured {
		if i := slices.IndexFunc(out[:len(builtins)], func(b Rule) bool { return b.Name == r.Name }); i >= 0 {
			out[i] = r
			continue
		}
		out = append(out, r)
	}
	return out
}
