package alerts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Rule is one alerting rule: compare a metric of each group of functions
// with a threshold, and notify when it holds for long enough. The YAML and
// JSON forms use the same keys; durations are Go durations ("15m", "1h").
type Rule struct {
	// Name identifies the rule (alertname in notifications); unique.
	Name   string `yaml:"name" json:"name"`
	Metric Metric `yaml:"metric" json:"metric"`
	// Filter narrows the functions the rule watches; empty fields match all.
	Filter Filter `yaml:"filter" json:"filter"`
	// GroupBy splits the rule into one alert per distinct value of these
	// labels (a subset of GroupLabels); empty: one alert for everything.
	GroupBy    []string   `yaml:"group_by" json:"group_by"`
	Comparator Comparator `yaml:"comparator" json:"comparator"`
	Threshold  float64    `yaml:"threshold" json:"threshold"`
	// Window is the span each sample covers, ending at the evaluation
	// time; 0 for projected_month_cost, which covers the month.
	Window time.Duration `yaml:"window" json:"-"`
	// For is how long the condition must hold before the alert fires.
	For time.Duration `yaml:"for" json:"-"`
	// MinInvocations: a group with fewer invocations in the window (calls,
	// for throttle_rate) is not judged, as if it had no data.
	MinInvocations uint64   `yaml:"min_invocations" json:"min_invocations"`
	Severity       Severity `yaml:"severity" json:"severity"`
	// Labels are added to every notification of the rule.
	Labels map[string]string `yaml:"labels" json:"labels,omitempty"`
	// Annotations are text/template strings rendered per notification
	// (fields in docs/alerts.md), e.g. summary, description, runbook_url.
	Annotations map[string]string `yaml:"annotations" json:"annotations,omitempty"`
	// RepeatInterval is how often a still-firing alert is sent again; 0
	// means DefaultRepeatInterval.
	RepeatInterval time.Duration `yaml:"repeat_interval" json:"-"`
	// Disabled rules are not evaluated; a disabled rule needs only its
	// name, so {name: faascope-throttle-rate, disabled: true} switches a
	// built-in off.
	Disabled bool `yaml:"disabled" json:"disabled"`
}

// Filter selects the functions a rule watches. Function is an exact name
// or a glob where * matches any run and ? one character.
type Filter struct {
	Provider string `yaml:"provider" json:"provider,omitempty"`
	Platform string `yaml:"platform" json:"platform,omitempty"`
	Region   string `yaml:"region" json:"region,omitempty"`
	Account  string `yaml:"account" json:"account,omitempty"`
	Function string `yaml:"function" json:"function,omitempty"`
	Version  string `yaml:"version" json:"version,omitempty"`
}

// GroupLabels are the labels a rule may group by, and the keys of
// Sample.Group.
var GroupLabels = []string{"provider", "account", "region", "function"}

// DefaultRepeatInterval is Alertmanager's default repeat_interval: a
// still-firing alert is announced again every 4 hours.
const DefaultRepeatInterval = 4 * time.Hour

// repeatInterval is the rule's repeat interval with the default applied.
func (r Rule) repeatInterval() time.Duration {
	if r.RepeatInterval == 0 {
		return DefaultRepeatInterval
	}
	return r.RepeatInterval
}

// durationsJSON are the rule's durations in JSON, as Go duration strings
// ("15m"): nanosecond integers would be unreadable in the API.
type durationsJSON struct {
	Window         string `json:"window,omitempty"`
	For            string `json:"for,omitempty"`
	RepeatInterval string `json:"repeat_interval,omitempty"`
}

// ruleJSON is a Rule's JSON form: its own fields, durations as strings.
type ruleJSON struct {
	plainRule
	durationsJSON
}

// plainRule is Rule without its JSON methods.
type plainRule Rule

// MarshalJSON writes durations as Go duration strings.
func (r Rule) MarshalJSON() ([]byte, error) {
	return json.Marshal(ruleJSON{plainRule(r), durationsJSON{
		Window: formatDuration(r.Window), For: formatDuration(r.For), RepeatInterval: formatDuration(r.RepeatInterval),
	}})
}

// UnmarshalJSON reads durations as Go duration strings and rejects unknown
// fields, naming the field in every error: what the API takes.
func (r *Rule) UnmarshalJSON(data []byte) error { return r.decode(data, true) }

// DecodeStoredRule reads a rule as stored (its JSON form) leniently:
// unknown fields, such as a field a newer faascope wrote, are ignored, so
// that a stored rule stays readable across versions. The API's strict
// reading is UnmarshalJSON.
func DecodeStoredRule(data []byte) (Rule, error) {
	var r Rule
	err := r.decode(data, false)
	return r, err
}

// decode reads the JSON form; strict rejects unknown fields.
func (r *Rule) decode(data []byte, strict bool) error {
	var v ruleJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("cannot read rule: %w", err)
	}
	rule := Rule(v.plainRule)
	var errs []string
	for _, d := range []struct {
		field string
		text  string
		dst   *time.Duration
	}{{"window", v.durationsJSON.Window, &rule.Window}, {"for", v.durationsJSON.For, &rule.For}, {"repeat_interval", v.durationsJSON.RepeatInterval, &rule.RepeatInterval}} {
		if err := parseDuration(d.text, d.dst); err != nil {
			errs = append(errs, d.field+": "+err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("cannot read rule: %s", strings.Join(errs, "; "))
	}
	*r = rule
	return nil
}

func parseDuration(s string, dst *time.Duration) error {
	if s == "" {
		*dst = 0
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration (like \"90s\", \"15m\" or \"1h\")", s)
	}
	*dst = d
	return nil
}

// formatDuration drops the zero units time.Duration.String keeps: 15m, not 15m0s.
func formatDuration(d time.Duration) string {
	if d == 0 {
		return ""
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
