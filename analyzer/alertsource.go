package analyzer

import (
	"context"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/faascope/faascope/analyzer/alerts"
)

// AlertSource measures alert rules over one tenant's data: the analyzer's
// side of alerts.Source. Counts, rates and costs come from the same code as
// the function list (functionAggs), so a rule sees exactly what the list
// shows for the same range, inferred cold starts included.
type AlertSource struct {
	r      *Reader
	tenant string
	// linkBase is faascope's external URL; "" leaves samples without links.
	linkBase string
	// aggs keeps the function aggregates already read, by rule filter and
	// range: rules that watch the same functions over the same window (the
	// built-in cold-start and throttle rules) share one query per
	// evaluation. A source lives for one evaluation of one tenant.
	mu   sync.Mutex
	aggs map[aggsKey]map[FunctionKey]*funcAgg
}

// aggsKey is a rule filter over a range, in unix nanoseconds.
type aggsKey struct {
	filter   alerts.Filter
	from, to int64
}

var _ alerts.Source = (*AlertSource)(nil)

// AlertSource returns a Source bound to tenant. linkBase, when set, is the
// URL the API is reached at from outside (alerts.external_url), for the
// links in notifications.
func (r *Reader) AlertSource(tenant, linkBase string) *AlertSource {
	return &AlertSource{r: r, tenant: tenant, linkBase: linkBase, aggs: map[aggsKey]map[FunctionKey]*funcAgg{}}
}

// functionAggs is Reader.functionAggs of the rule's filter over f's range,
// read once per source.
func (s *AlertSource) functionAggs(ctx context.Context, rule alerts.Rule, f Filter) (map[FunctionKey]*funcAgg, error) {
	f = f.truncated()
	key := aggsKey{rule.Filter, f.From.UnixNano(), f.To.UnixNano()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if aggs, ok := s.aggs[key]; ok {
		return aggs, nil
	}
	aggs, err := s.r.functionAggs(ctx, f)
	if err == nil {
		s.aggs[key] = aggs
	}
	return aggs, err
}

// Limits of a rule's evaluation.
const (
	// MaxAlertGroups bounds the groups one rule measures: a rule grouped by
	// function over more functions than that is an error, not a silent cut.
	MaxAlertGroups = MaxFunctions
	// RawPercentileWindow is the longest window whose percentiles are read
	// from raw rows over exactly the window. Longer windows merge the hourly
	// t-digest states of the whole hours they touch: the latency states
	// have no minute rollup, and a 15-minute p95 read from an hour's state
	// would mostly describe other minutes.
	RawPercentileWindow = time.Hour
	// costChangeLag is how far back cost_change_pct compares: the same
	// weekday and hours a week earlier.
	costChangeLag = 7 * 24 * time.Hour
)

// groupAgg is one group's sums over the functions it holds.
type groupAgg struct {
	labels map[string]string
	Counts
	cost float64
}

// Samples measures rule for every group with traffic in its window ending
// at now (now is used as given: the job passes whole minutes).
func (s *AlertSource) Samples(ctx context.Context, rule alerts.Rule, now time.Time) ([]alerts.Sample, error) {
	f := s.filter(rule, now.Add(-rule.Window), now)
	if rule.Metric == alerts.ProjectedMonthCost {
		return s.projected(ctx, rule, f, now)
	}
	if err := f.Validate(); err != nil {
		return nil, invalid("rule %s: %v", rule.Name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.r.timeout)
	defer cancel()
	groups, err := s.groups(ctx, rule, f)
	if err != nil {
		return nil, err
	}
	switch rule.Metric {
	case alerts.InitP95Ms, alerts.DurationP95Ms:
		return s.percentiles(ctx, rule, f, groups)
	case alerts.CostChangePct:
		return s.costChange(ctx, rule, f, groups)
	}
	out := make([]alerts.Sample, 0, len(groups))
	for _, g := range groups {
		out = append(out, s.sample(rule, g, countValue(rule, g), g.Invocations))
	}
	return out, nil
}

// filter is the rule's filter on the tenant over [from, to).
func (s *AlertSource) filter(rule alerts.Rule, from, to time.Time) Filter {
	rf := rule.Filter
	return Filter{Tenant: s.tenant, From: from, To: to, Provider: rf.Provider, Platform: rf.Platform,
		Region: rf.Region, Account: rf.Account, Function: rf.Function, Version: rf.Version}
}

// groups sums the function list's aggregates of f by the rule's labels.
// Cold starts are counted per function first (their rule takes the larger
// of two counts, which does not add up across functions), then summed.
func (s *AlertSource) groups(ctx context.Context, rule alerts.Rule, f Filter) (map[string]*groupAgg, error) {
	aggs, err := s.functionAggs(ctx, rule, f)
	if err != nil {
		return nil, err
	}
	out := map[string]*groupAgg{}
	for k, a := range aggs {
		labels := groupLabels(rule.GroupBy, k)
		key := alerts.GroupKey(labels)
		g := out[key]
		if g == nil {
			if len(out) == MaxAlertGroups {
				return nil, invalid("rule %s: more than %d groups: narrow its filter or group_by", rule.Name, MaxAlertGroups)
			}
			g = &groupAgg{labels: labels}
			out[key] = g
		}
		c := countsOf(a.Usage, a.inferred)
		g.Invocations += c.Invocations
		g.Errors += c.Errors
		g.Timeouts += c.Timeouts
		g.Throttles += c.Throttles
		g.ColdStarts += c.ColdStarts
		g.cost += a.cost
	}
	return out, nil
}

// groupFields maps each label a rule may group by (alerts.GroupLabels, in
// that order) to its column and its FunctionKey field: the one place that
// knows which is which.
var groupFields = []struct {
	label, column string
	field         func(*FunctionKey) *string
}{
	{"provider", "provider", func(k *FunctionKey) *string { return &k.Provider }},
	{"account", "account_id", func(k *FunctionKey) *string { return &k.AccountID }},
	{"region", "region", func(k *FunctionKey) *string { return &k.Region }},
	{"function", "function_name", func(k *FunctionKey) *string { return &k.FunctionName }},
}

// groupLabels are a function's values of the labels a rule groups by.
func groupLabels(by []string, k FunctionKey) map[string]string {
	out := make(map[string]string, len(by))
	for _, f := range groupFields {
		if slices.Contains(by, f.label) {
			out[f.label] = *f.field(&k)
		}
	}
	return out
}

// groupKeyOf is the FunctionKey of a group's labels, "" in the fields it
// does not group by: the key quantilesBy answers for the group.
func groupKeyOf(labels map[string]string) FunctionKey {
	var k FunctionKey
	for _, f := range groupFields {
		*f.field(&k) = labels[f.label]
	}
	return k
}

// groupColumns are the columns quantilesBy groups by for labels by: the
// column of a label grouped by, an empty string literal for the others.
func groupColumns(by []string) [4]string {
	var ids [4]string
	for i, f := range groupFields {
		ids[i] = "''"
		if slices.Contains(by, f.label) {
			ids[i] = f.column
		}
	}
	return ids
}

// countValue is a count, rate or cost metric of one group, with the rates
// of Counts (countsOf) applied to the group's sums.
func countValue(rule alerts.Rule, g *groupAgg) float64 {
	inv := float64(g.Invocations)
	switch rule.Metric {
	case alerts.ColdStartRate:
		return min(ratio(float64(g.ColdStarts), inv), 1)
	case alerts.ColdStarts:
		return float64(g.ColdStarts)
	case alerts.ThrottleRate:
		return ratio(float64(g.Throttles), inv+float64(g.Throttles))
	case alerts.Throttles:
		return float64(g.Throttles)
	case alerts.ErrorRate:
		return ratio(float64(g.Errors), inv)
	case alerts.TimeoutRate:
		return ratio(float64(g.Timeouts), inv)
	case alerts.CostPerDay:
		return g.cost * float64(24*time.Hour) / float64(rule.Window)
	}
	return 0
}

// sample builds a group's sample. Throttle metrics judge calls (invocations
// plus throttles) against min_invocations: a function refused every call
// has no invocations at all.
func (s *AlertSource) sample(rule alerts.Rule, g *groupAgg, v float64, invocations uint64) alerts.Sample {
	if rule.Metric == alerts.ThrottleRate || rule.Metric == alerts.Throttles {
		invocations += g.Throttles
	}
	return alerts.Sample{Group: g.labels, Value: v, Invocations: invocations, Link: s.link(g.labels)}
}

// link is the group's resource in the API (JSON, for a token: docs/api.md),
// not a web page: the function itself (/api/v1/functions/{id}) when the
// rule groups by every identity label, else the function list filtered to
// the group.
func (s *AlertSource) link(labels map[string]string) string {
	if s.linkBase == "" {
		return ""
	}
	base := s.linkBase + "/api/v1/functions"
	if len(labels) == len(groupFields) && labels["function"] != "" && labels["provider"] != "" {
		return base + "/" + url.PathEscape(groupKeyOf(labels).ID())
	}
	q := url.Values{}
	for l, v := range labels {
		if l == "function" {
			v = ExactName(v)
		}
		if v != "" {
			q.Set(l, v)
		}
	}
	if len(q) == 0 {
		return base
	}
	return base + "?" + q.Encode()
}

// percentiles reads p95 per group: over exactly the window from raw rows
// up to RawPercentileWindow, else from the hourly states (see there). A
// group with nothing to measure has no sample, not a p95 of 0, so that a
// "p95 < X" rule never fires on it: duration_p95_ms without invocations,
// init_p95_ms without an init phase in the window (warm functions).
func (s *AlertSource) percentiles(ctx context.Context, rule alerts.Rule, f Filter, groups map[string]*groupAgg) ([]alerts.Sample, error) {
	spec := usageSpec{grain: grainHour}
	if rule.Window <= RawPercentileWindow {
		spec.grain = grainMinute // no minute states: whole minutes from raw rows
	}
	stats, err := s.r.quantilesBy(ctx, f.truncated(), groupColumns(rule.GroupBy), spec)
	if err != nil {
		return nil, err
	}
	out := make([]alerts.Sample, 0, len(groups))
	for _, g := range groups {
		st, ok := stats[keyAt{FunctionKey: groupKeyOf(g.labels)}]
		v, measured := st.Duration.P95, ok && g.Invocations > 0
		if rule.Metric == alerts.InitP95Ms {
			// The init quantiles cover init_duration_ms > 0 only, and
			// quantilesBy reads an empty one as 0: 0 is no init phase.
			v, measured = st.Init.P95, ok && st.Init.P95 > 0
		}
		if measured {
			out = append(out, s.sample(rule, g, v, g.Invocations))
		}
	}
	return out, nil
}

// costChange compares each group's list-price cost over the window with
// the same window a week earlier, in percent; groups without cost then
// have no sample.
func (s *AlertSource) costChange(ctx context.Context, rule alerts.Rule, f Filter, groups map[string]*groupAgg) ([]alerts.Sample, error) {
	before := f
	before.From, before.To = f.From.Add(-costChangeLag), f.To.Add(-costChangeLag)
	prev, err := s.groups(ctx, rule, before)
	if err != nil {
		return nil, err
	}
	out := make([]alerts.Sample, 0, len(groups))
	for key, g := range groups {
		p := prev[key]
		if p == nil || p.cost <= 0 {
			continue
		}
		out = append(out, s.sample(rule, g, (g.cost/p.cost-1)*100, g.Invocations))
	}
	return out, nil
}

// projected is the month-end projection (Projection) summed per group,
// judged against the month's invocations so far.
func (s *AlertSource) projected(ctx context.Context, rule alerts.Rule, f Filter, now time.Time) ([]alerts.Sample, error) {
	rep, err := s.r.Projection(ctx, f, now)
	if err != nil {
		return nil, err
	}
	f.From, f.To = rep.Month, now
	groups := map[string]*groupAgg{}
	if now.After(rep.Month) {
		ctx, cancel := context.WithTimeout(ctx, s.r.timeout)
		defer cancel()
		if groups, err = s.groups(ctx, rule, f); err != nil {
			return nil, err
		}
	}
	projected := map[string]float64{}
	for _, row := range rep.Functions {
		k, err := ParseFunctionID(row.Key)
		if err != nil {
			return nil, err
		}
		labels := groupLabels(rule.GroupBy, k)
		key := alerts.GroupKey(labels)
		if groups[key] == nil {
			groups[key] = &groupAgg{labels: labels}
		}
		projected[key] += row.ProjectedUSD
	}
	out := make([]alerts.Sample, 0, len(groups))
	for key, g := range groups {
		out = append(out, s.sample(rule, g, projected[key], g.Invocations))
	}
	return out, nil
}
