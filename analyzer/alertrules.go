package analyzer

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/faascope/faascope/analyzer/alerts"
)

// Where an effective rule comes from.
const (
	RuleSourceBuiltin = "builtin"
	RuleSourceConfig  = "config"
	RuleSourceAPI     = "api"
)

// EffectiveRule is a rule as it applies to a tenant, with where it comes from.
type EffectiveRule struct {
	Rule     alerts.Rule `json:"rule"`
	Source   string      `json:"source"` // builtin, config or api
	Disabled bool        `json:"disabled"`
}

// EffectiveAlertRules are the rules that apply to a tenant: the built-ins,
// replaced or disabled by configured rules of the same name, then the
// tenant's API rules, which may replace a built-in for their tenant but
// never a configured rule (the config file wins: an API rule named like
// one is skipped, and the API refuses to create one).
func EffectiveAlertRules(configured, api []alerts.Rule) []EffectiveRule {
	builtins := alerts.DefaultRules()
	merged := alerts.Merge(builtins, configured)
	var own []alerts.Rule
	for _, r := range api {
		if !slices.ContainsFunc(configured, func(c alerts.Rule) bool { return c.Name == r.Name }) {
			own = append(own, r)
		}
	}
	merged = alerts.Merge(merged, own)
	out := make([]EffectiveRule, len(merged))
	for i, r := range merged {
		out[i] = EffectiveRule{Rule: r, Source: sourceOf(r.Name, configured, own), Disabled: r.Disabled}
	}
	return out
}

// sourceOf names where the effective rule of a name was defined: the last
// of built-ins, config and API that defines it.
func sourceOf(name string, configured, api []alerts.Rule) string {
	named := func(r alerts.Rule) bool { return r.Name == name }
	switch {
	case slices.ContainsFunc(api, named):
		return RuleSourceAPI
	case slices.ContainsFunc(configured, named):
		return RuleSourceConfig
	}
	return RuleSourceBuiltin
}

// ActiveAlert is a group whose alert is pending or firing.
type ActiveAlert struct {
	Rule        string            `json:"rule"`
	Fingerprint string            `json:"fingerprint"`
	Group       map[string]string `json:"group"`
	Status      string            `json:"status"` // pending or firing
	Value       float64           `json:"value"`
	// ActiveSince is when the condition started holding; FiredAt when the
	// alert started firing (null while pending).
	ActiveSince time.Time  `json:"active_since"`
	FiredAt     *time.Time `json:"fired_at"`
	Link        string     `json:"link,omitempty"`
}

// ActiveAlerts lists the tenant's pending and firing alerts from the
// stored states (written by the alerts job, wherever it runs), by rule and
// group, at most limit; rule, when set, keeps one rule.
func (r *Reader) ActiveAlerts(ctx context.Context, tenant, rule string, limit int) ([]ActiveAlert, error) {
	if limit <= 0 || limit > MaxAlertHistory {
		return nil, invalid("limit: must be between 1 and %d", MaxAlertHistory)
	}
	states, err := r.LoadAlertStates(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var out []ActiveAlert
	for name, groups := range states {
		for _, st := range groups {
			if (rule != "" && name != rule) || (st.Status != alerts.StatusPending && st.Status != alerts.StatusFiring) {
				continue
			}
			a := ActiveAlert{Rule: name, Fingerprint: alerts.Fingerprint(tenant, name, st.GroupKey), Group: st.Labels,
				Status: string(st.Status), Value: st.LastValue, ActiveSince: st.ActiveSince.UTC(), Link: st.Link}
			if a.Group == nil {
				a.Group = map[string]string{}
			}
			if !st.FiredAt.IsZero() {
				fired := st.FiredAt.UTC()
				a.FiredAt = &fired
			}
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b ActiveAlert) int {
		if c := strings.Compare(a.Rule, b.Rule); c != 0 {
			return c
		}
		return strings.Compare(alerts.GroupKey(a.Group), alerts.GroupKey(b.Group))
	})
	return out[:min(len(out), limit)], nil
}
