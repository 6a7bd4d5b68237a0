package alerts

import (
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faascope/faascope/internal/notify"
)

// Sample is one group's measurement of a rule's metric at an evaluation.
type Sample struct {
	// Group holds the group's values of the rule's GroupBy labels (keys
	// from GroupLabels); empty for a rule without group_by.
	Group map[string]string
	// Value is in the metric's unit (Metric). A NaN or infinite value is
	// no data: it never satisfies a rule and is never stored (State).
	Value float64
	// Invocations is the metric's traffic in the window (invocations plus
	// throttles for throttle_rate), compared with Rule.MinInvocations.
	Invocations uint64
	// Link is the group's API resource (see notify.Notification.Link);
	// may be empty.
	Link string
}

// Source measures a rule: the analyzer implements it over ClickHouse.
type Source interface {
	// Samples returns one sample per group that had traffic in the rule's
	// window ending at now (the month of now for projected_month_cost),
	// restricted to the rule's filter. A group with no sample is treated
	// as having no data: its pending alert is dropped, its firing alert
	// resolves. Errors leave the rule's state as it was: the caller must
	// not call Evaluate without samples after a failed query.
	Samples(ctx context.Context, rule Rule, now time.Time) ([]Sample, error)
}

// Status is where a group is in its alert's life.
type Status string

// The statuses. A group absent from a state map is inactive: Evaluate
// never returns an inactive state, so stored state does not grow with the
// groups that never alerted.
const (
	StatusInactive Status = "inactive"
	StatusPending  Status = "pending"  // the condition holds, For has not passed
	StatusFiring   Status = "firing"   // announced; re-announced every RepeatInterval
	StatusResolved Status = "resolved" // announced as resolved; inactive at the next evaluation
)

// State is one group's alert state: what must survive a restart so that
// nothing is announced twice and For keeps counting.
type State struct {
	RuleName string
	GroupKey string            // GroupKey(Labels)
	Labels   map[string]string // the group's values
	Status   Status
	// ActiveSince is when the condition started holding (pending began).
	ActiveSince time.Time
	FiredAt     time.Time // zero until firing
	ResolvedAt  time.Time // zero until resolved
	// LastNotified is when a notification other than a refresh was last
	// made: repeats are due RepeatInterval after it.
	LastNotified time.Time
	// LastValue is the latest finite value measured with enough
	// invocations: always finite, so that a state always encodes as JSON
	// (which has no NaN) and can be stored.
	LastValue float64
	Link      string // the latest sample's link, for the resolved notification
}

// Evaluate steps each group's alert of rule with this evaluation's samples,
// as Prometheus's rule manager does:
//
//	inactive → pending  the condition holds (value compared with the
//	                    threshold, at least MinInvocations)
//	pending  → firing   it has held for For (at once when For is 0): notify
//	firing   → firing   it still holds: notify again once RepeatInterval has
//	                    passed since LastNotified, else a refresh
//	pending  → inactive it stopped holding, or the group has no sample
//	firing   → resolved it stopped holding, or the group has no sample,
//	                    or too few invocations to judge: notify once
//	resolved → inactive next evaluation (→ pending if it holds again)
//
// tenant is whose data the samples are: every notification carries it as
// its "tenant" label and in its fingerprint, so that two tenants' alerts on
// the same account and function stay two alerts in every receiver.
// prev holds the rule's states by GroupKey, as Evaluate last returned them
// (and as stored); it is not modified. A disabled rule resolves every alert.
// Evaluate is pure and deterministic: the same rule, prev, samples and now
// give the same next and the same notifications, sorted by group key; fed
// its own output again at the same now, it announces nothing new. That,
// with next stored before the notifications are sent, is what keeps a
// restart from announcing anything twice.
func Evaluate(tenant string, rule Rule, prev map[string]State, samples []Sample, now time.Time) (map[string]State, []notify.Notification) {
	if rule.Disabled {
		samples = nil
	}
	current := map[string]Sample{}
	for _, s := range samples {
		k := GroupKey(s.Group)
		if _, dup := current[k]; !dup { // a Source sends one per group; the first wins
			current[k] = s
		}
	}
	keys := slices.Concat(slices.Collect(maps.Keys(current)), slices.Collect(maps.Keys(prev)))
	slices.Sort(keys)
	keys = slices.Compact(keys)

	next := map[string]State{}
	var notes []notify.Notification
	for _, k := range keys {
		st, had := prev[k]
		s, present := current[k]
		st, out := step(rule, st, had, s, present, k, now)
		if out != dropped {
			next[k] = st
		}
		if out == announce || out == refresh {
			notes = append(notes, notification(tenant, rule, st, out == refresh))
		}
	}
	return next, notes
}

// outcome is what a step makes of a group besides its new state.
type outcome int

const (
	kept     outcome = iota // pending: stored, nothing sent
	dropped                 // inactive: not stored
	announce                // fired, repeated or resolved now
	refresh                 // still firing, already announced
)

// step moves one group to its new state.
func step(rule Rule, st State, had bool, s Sample, present bool, key string, now time.Time) (State, outcome) {
	judged := present && s.Invocations >= rule.MinInvocations && finite(s.Value)
	holds := judged && rule.Comparator.holds(s.Value, rule.Threshold)
	if present {
		st.Link = s.Link
	}
	if judged {
		st.LastValue = s.Value
	}
	if !holds {
		if had && st.Status == StatusFiring {
			st.Status, st.ResolvedAt, st.LastNotified = StatusResolved, now, now
			return st, announce
		}
		return st, dropped
	}
	if !had || (st.Status != StatusPending && st.Status != StatusFiring) {
		st = State{RuleName: rule.Name, GroupKey: key, Labels: maps.Clone(s.Group), Status: StatusPending,
			ActiveSince: now, LastValue: s.Value, Link: s.Link}
	}
	switch {
	case st.Status == StatusPending && now.Sub(st.ActiveSince) >= rule.For:
		st.Status, st.FiredAt, st.LastNotified = StatusFiring, now, now
		return st, announce
	case st.Status == StatusPending:
		return st, kept
	case now.Sub(st.LastNotified) >= rule.repeatInterval():
		st.LastNotified = now
		return st, announce
	}
	return st, refresh
}

// finite reports whether v is a measurement (not NaN nor infinite).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// notification renders a firing or resolved group of tenant.
func notification(tenant string, rule Rule, st State, refresh bool) notify.Notification {
	labels := maps.Clone(rule.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	for k, v := range st.Labels {
		if v != "" { // Alertmanager treats an empty label as absent
			labels[k] = v
		}
	}
	labels["alertname"], labels["severity"] = rule.Name, string(rule.Severity)
	if tenant != "" { // never empty in practice: every stored row has a tenant
		labels[TenantLabel] = tenant
	}
	n := notify.Notification{
		Tenant: tenant, Rule: rule.Name, Status: notify.StatusFiring, Group: maps.Clone(st.Labels),
		Value: st.LastValue, Threshold: rule.Threshold, Severity: string(rule.Severity), Labels: labels,
		StartsAt: st.ActiveSince, Link: st.Link, Fingerprint: Fingerprint(tenant, rule.Name, st.GroupKey), Refresh: refresh,
	}
	if st.Status == StatusResolved {
		n.Status, n.EndsAt = notify.StatusResolved, st.ResolvedAt
	}
	n.Annotations = render(rule.Annotations, templateData{
		Tenant: tenant, Rule: rule.Name, Metric: rule.Metric, Function: st.Labels["function"], Value: n.Value, Threshold: rule.Threshold,
		Link: st.Link, Labels: labels, Status: string(n.Status),
	})
	return n
}

// GroupKey is the canonical, stable form of a group: its labels sorted by
// name, as name="value" pairs joined by commas ("" for no labels).
func GroupKey(group map[string]string) string {
	parts := make([]string, 0, len(group))
	for _, k := range slices.Sorted(maps.Keys(group)) {
		parts = append(parts, k+"="+strconv.Quote(group[k]))
	}
	return strings.Join(parts, ",")
}

// TenantLabel is the label every notification carries its tenant in.
const TenantLabel = "tenant"

// Fingerprint is a stable 64-bit hash of a tenant, a rule and a group, in
// hex: the same rule and group of two tenants are two alerts.
func Fingerprint(tenant, rule, groupKey string) string {
	h := fnv.New64a()
	for _, part := range []string{tenant, rule} {
		h.Write([]byte(part))
		h.Write([]byte{0xff}) // not valid UTF-8, so in no name: "a"+"b,c" and "ab"+"c" differ
	}
	h.Write([]byte(groupKey))
	return fmt.Sprintf("%016x", h.Sum64())
}
