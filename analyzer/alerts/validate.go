package alerts

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Limits on rule fields.
const (
	// MaxWindow bounds windows: queries stay bounded, and cost_change_pct's
	// window never overlaps the one a week earlier.
	MaxWindow      = 7 * 24 * time.Hour
	maxFilterValue = 256 // as in analyzer.Filter
)

var (
	// nameRE: rule names appear in URLs, labels and ClickHouse keys.
	nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	// labelRE is a Prometheus label name, what Alertmanager accepts.
	labelRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// reservedLabels are set by the evaluator on every notification: a rule
// label of the same name would hide them (tenant, above all, is what keeps
// two tenants' alerts apart).
var reservedLabels = append([]string{"alertname", "severity", TenantLabel}, GroupLabels...)

// Validate reports every problem of the rule at once, each as
// "field: reason" (ValidateRules prefixes the rule's key).
func (r Rule) Validate() error { return r.validate("") }

// ValidateRules validates a list of rules, each problem as
// "key[i].field: reason", and rejects duplicate names.
func ValidateRules(key string, rules []Rule) error {
	var errs []error
	first := map[string]int{}
	for i, r := range rules {
		k := fmt.Sprintf("%s[%d]", key, i)
		errs = append(errs, r.validate(k))
		if j, dup := first[r.Name]; dup {
			errs = append(errs, fmt.Errorf("%s.name: %q is already the name of %s[%d]", k, r.Name, key, j))
		} else {
			first[r.Name] = i
		}
	}
	return errors.Join(errs...)
}

// problems collects a rule's errors under its key.
type problems struct {
	key  string
	errs []error
}

func (p *problems) add(field, format string, args ...any) {
	if p.key != "" {
		field = p.key + "." + field
	}
	p.errs = append(p.errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
}

func (r Rule) validate(key string) error {
	p := &problems{key: key}
	if !nameRE.MatchString(r.Name) {
		p.add("name", "%q: want 1 to 64 letters, digits, _, . and -, starting with a letter or digit", r.Name)
	}
	if r.Disabled {
		return errors.Join(p.errs...)
	}
	r.validateQuery(p)
	r.validateTiming(p)
	r.validateOutput(p)
	return errors.Join(p.errs...)
}

// validateQuery checks what is measured: metric, filter, grouping, condition.
func (r Rule) validateQuery(p *problems) {
	u, known := metricUnits[r.Metric]
	if !known {
		p.add("metric", "%q: want one of %s", r.Metric, join(Metrics()))
	}
	for _, f := range []struct{ name, v string }{{"provider", r.Filter.Provider}, {"platform", r.Filter.Platform},
		{"region", r.Filter.Region}, {"account", r.Filter.Account}, {"function", r.Filter.Function}, {"version", r.Filter.Version}} {
		if len(f.v) > maxFilterValue {
			p.add("filter."+f.name, "longer than %d bytes", maxFilterValue)
		}
	}
	for i, g := range r.GroupBy {
		switch {
		case !slices.Contains(GroupLabels, g):
			p.add(fmt.Sprintf("group_by[%d]", i), "%q: want one of %s", g, strings.Join(GroupLabels, ", "))
		case slices.Index(r.GroupBy, g) < i:
			p.add(fmt.Sprintf("group_by[%d]", i), "%q is listed twice", g)
		}
	}
	if _, ok := comparators[r.Comparator]; !ok {
		p.add("comparator", "%q: want one of >, >=, <, <=, ==, != (or gt, ge, lt, le, eq, ne; quote the symbols in YAML)", r.Comparator)
	}
	if known {
		checkThreshold(p, r.Metric, u, r.Threshold)
	}
}

func checkThreshold(p *problems, m Metric, u unit, t float64) {
	switch {
	case math.IsNaN(t) || math.IsInf(t, 0):
		p.add("threshold", "must be a finite number")
	case u == unitShare && (t < 0 || t > 1):
		p.add("threshold", "%v: %s is a share in [0, 1] (20%% is 0.2)", t, m)
	case u != unitShare && u != unitPercent && t < 0:
		p.add("threshold", "%v: %s is never negative", t, m)
	}
}

// validateTiming checks window, for and repeat_interval.
func (r Rule) validateTiming(p *problems) {
	switch {
	case !r.Metric.windowed() && r.Window != 0:
		p.add("window", "must be empty: %s covers the month", r.Metric)
	case !r.Metric.windowed():
	case r.Window == 0:
		p.add("window", "required: the span %s is measured over, like 15m", r.Metric)
	case r.Window < time.Minute || r.Window > MaxWindow:
		p.add("window", "%s: want 1m to %s", formatDuration(r.Window), formatDuration(MaxWindow))
	case r.Window%time.Minute != 0:
		p.add("window", "%s: want whole minutes, the resolution of faascope's data", r.Window)
	}
	if r.For < 0 {
		p.add("for", "%s: must be >= 0", r.For)
	}
	if r.RepeatInterval != 0 && r.RepeatInterval < time.Minute {
		p.add("repeat_interval", "%s: want at least 1m, the evaluation interval (or empty for %s)", r.RepeatInterval, formatDuration(DefaultRepeatInterval))
	}
}

// validateOutput checks what notifications carry: severity, labels, annotations.
func (r Rule) validateOutput(p *problems) {
	switch r.Severity {
	case SeverityInfo, SeverityWarning, SeverityCritical:
	default:
		p.add("severity", "%q: want info, warning or critical", r.Severity)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Labels)) {
		switch {
		case !labelRE.MatchString(k) || strings.HasPrefix(k, "__"):
			p.add("labels."+k, "not a label name: want letters, digits and _, not starting with a digit or __")
		case slices.Contains(reservedLabels, k):
			p.add("labels."+k, "set by faascope on every notification (reserved: %s)", strings.Join(reservedLabels, ", "))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.Annotations)) {
		if !labelRE.MatchString(k) {
			p.add("annotations."+k, "not an annotation name: want letters, digits and _, not starting with a digit")
			continue
		}
		if _, err := renderText(k, r.Annotations[k], r.exampleData()); err != nil {
			p.add("annotations."+k, "bad template: %v", err)
		}
	}
}

// exampleData is what templates are tried on at validation: running them,
// not just parsing them, catches fields that do not exist.
func (r Rule) exampleData() templateData {
	return templateData{
		Tenant: "example-tenant", Rule: r.Name, Metric: r.Metric, Function: "example-function", Value: r.Threshold, Threshold: r.Threshold,
		Link: "https://faascope.example/api/v1/functions/aws:123456789012:us-east-1:example-function", Status: "firing",
		Labels: map[string]string{"alertname": r.Name, "severity": string(r.Severity), TenantLabel: "example-tenant", "function": "example-function"},
	}
}

func join[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
