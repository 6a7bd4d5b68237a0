package alerts

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestValidateNamesFieldAndReason(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Rule)
		wants []string
	}{
		{"name", func(r *Rule) { r.Name = "no spaces" }, []string{`name: "no spaces": want 1 to 64 letters`}},
		{"metric", func(r *Rule) { r.Metric = "cold_rate" }, []string{`metric: "cold_rate": want one of cold_start_rate, cold_starts, cost_change_pct`}},
		{"filter", func(r *Rule) { r.Filter.Function = strings.Repeat("x", 257) }, []string{"filter.function: longer than 256 bytes"}},
		{"group_by", func(r *Rule) { r.GroupBy = []string{"function", "runtime", "function"} },
			[]string{`group_by[1]: "runtime": want one of provider, account, region, function`, `group_by[2]: "function" is listed twice`}},
		{"comparator", func(r *Rule) { r.Comparator = "=>" }, []string{`comparator: "=>": want one of >, >=, <, <=, ==, !=`}},
		{"rate threshold as a percentage", func(r *Rule) { r.Threshold = 20 }, []string{"threshold: 20: cold_start_rate is a share in [0, 1] (20% is 0.2)"}},
		{"negative count", func(r *Rule) { r.Metric, r.Threshold = ColdStarts, -1 }, []string{"threshold: -1: cold_starts is never negative"}},
		{"NaN threshold", func(r *Rule) { r.Threshold = math.NaN() }, []string{"threshold: must be a finite number"}},
		{"window too short", func(r *Rule) { r.Window = 30 * time.Second }, []string{"window: 30s: want 1m to 168h"}},
		{"window too long", func(r *Rule) { r.Window = 8 * 24 * time.Hour }, []string{"window: 192h: want 1m to 168h"}},
		{"window not whole minutes", func(r *Rule) { r.Window = 90 * time.Second }, []string{"window: 1m30s: want whole minutes"}},
		{"window on the projection", func(r *Rule) { r.Metric, r.Threshold = ProjectedMonthCost, 100 },
			[]string{"window: must be empty: projected_month_cost covers the month"}},
		{"negative for", func(r *Rule) { r.For = -time.Minute }, []string{"for: -1m0s: must be >= 0"}},
		{"repeat interval", func(r *Rule) { r.RepeatInterval = 10 * time.Second }, []string{"repeat_interval: 10s: want at least 1m"}},
		{"severity", func(r *Rule) { r.Severity = "page" }, []string{`severity: "page": want info, warning or critical`}},
		{"label name", func(r *Rule) { r.Labels = map[string]string{"team-name": "x", "__meta": "y"} },
			[]string{"labels.__meta: not a label name", "labels.team-name: not a label name"}},
		{"reserved label", func(r *Rule) { r.Labels = map[string]string{"function": "x", "alertname": "y", "tenant": "other"} },
			[]string{"labels.alertname: set by faascope on every notification", "labels.function: set by faascope",
				"labels.tenant: set by faascope on every notification (reserved: alertname, severity, tenant, provider"}},
		{"annotation name", func(r *Rule) { r.Annotations = map[string]string{"run-book": "x"} }, []string{"annotations.run-book: not an annotation name"}},
		{"template syntax", func(r *Rule) { r.Annotations = map[string]string{"summary": "{{.Function"} },
			[]string{"annotations.summary: bad template: template: summary:1: unclosed action"}},
		{"template field", func(r *Rule) { r.Annotations = map[string]string{"summary": "{{.Fn}}"} },
			[]string{`annotations.summary: bad template: template: summary:1:2: executing "summary" at <.Fn>: can't evaluate field Fn`}},
		{"template function", func(r *Rule) { r.Annotations = map[string]string{"summary": "{{humanize .Value}}"} },
			[]string{`annotations.summary: bad template: template: summary:1: function "humanize" not defined`}},
		{"template output too long", func(r *Rule) {
			r.Annotations = map[string]string{"summary": `{{range 1000000000}}{{printf "%0999999d" 1}}{{end}}`}
		}, []string{"annotations.summary: bad template: template: summary: renders longer than 16384 bytes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := testRule()
			c.edit(&r)
			err := r.Validate()
			if err == nil {
				t.Fatal("valid")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(c.wants) {
				t.Errorf("%d problems, want %d:\n%v", len(lines), len(c.wants), err)
			}
			for _, want := range c.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestValidateRulesKeysAndDuplicates(t *testing.T) {
	bad := testRule()
	bad.Severity, bad.Window = "", 0
	rules := []Rule{testRule(), bad, testRule(), {Name: "off", Disabled: true}}
	rules[2].Name = "other"
	err := ValidateRules("alerts.rules", rules)
	if err == nil {
		t.Fatal("valid")
	}
	for _, want := range []string{
		`alerts.rules[1].name: "cold" is already the name of alerts.rules[0]`,
		`alerts.rules[1].severity: "": want info, warning or critical`,
		"alerts.rules[1].window: required: the span cold_start_rate is measured over",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 3 {
		t.Errorf("%d problems, want 3 (a disabled rule needs only its name):\n%v", n, err)
	}
}

func TestDefaultRulesAreValid(t *testing.T) {
	rules := DefaultRules()
	if err := ValidateRules("rules", rules); err != nil {
		t.Fatal(err)
	}
	names := []string{RuleColdStartRate, RuleThrottleRate, RuleDailyCostIncrease}
	for i, r := range rules {
		if r.Name != names[i] || r.Disabled {
			t.Errorf("rule %d: %s disabled=%v", i, r.Name, r.Disabled)
		}
	}
	cold := rules[0]
	if cold.Metric != ColdStartRate || cold.Threshold != 0.2 || cold.Window != 15*time.Minute || cold.MinInvocations != 20 || cold.Comparator != ">=" {
		t.Errorf("cold-start rule: %+v", cold)
	}
	if thr := rules[1]; thr.Metric != ThrottleRate || thr.Threshold != 0.1 {
		t.Errorf("throttle rule: %+v", thr)
	}
	if cost := rules[2]; cost.Metric != CostChangePct || cost.Threshold != 20 || cost.Window != 24*time.Hour {
		t.Errorf("cost rule: %+v", cost)
	}
}

func TestMerge(t *testing.T) {
	own := testRule()
	merged := Merge(DefaultRules(), []Rule{{Name: RuleThrottleRate, Disabled: true}, own})
	if len(merged) != 4 || merged[0].Name != RuleColdStartRate || !merged[1].Disabled || merged[1].Metric != "" || merged[3].Name != "cold" {
		t.Errorf("merged: %+v", merged)
	}
	if err := ValidateRules("rules", merged); err != nil {
		t.Error(err)
	}
	if DefaultRules()[1].Disabled {
		t.Error("Merge changed the built-ins")
	}
}
