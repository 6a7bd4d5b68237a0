package analyzer

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/faascope/faascope/analyzer/alerts"
)

// Alert storage (migration 0013): API rules, the states the alerts job
// reloads after a restart, and the history of status changes. Every table
// is append-only with a version; readers take the latest row with argMax,
// which is right before and after ClickHouse merges the parts.

// Bounds on what the alert tables return.
const (
	// MaxAPIRules bounds the rules one tenant may set through the API.
	MaxAPIRules = 200
	// maxAlertStates bounds the states loaded for one tenant.
	maxAlertStates = 100_000
	// MaxAlertHistory bounds one page of history.
	MaxAlertHistory = 1000
	// AlertHistoryRetention is how long status changes are kept.
	AlertHistoryRetention = 90 * 24 * time.Hour
)

// APIRules are a tenant's rules set through the API, as stored.
type APIRules struct {
	// Rules are the readable ones, by name.
	Rules []alerts.Rule
	// Unreadable names the stored rules whose body cannot be decoded
	// (damaged, or written in a form this version does not know). They are
	// skipped, not fatal: the tenant's built-in, configured and other API
	// rules keep running; a PUT or DELETE of the name replaces them.
	Unreadable []string
}

// Count is how many live rules the tenant has, readable or not: what
// MaxAPIRules bounds.
func (a APIRules) Count() int { return len(a.Rules) + len(a.Unreadable) }

// apiRulesQuery takes each name's latest row (body and tombstone from the
// same row: argMax of a tuple), drops the deleted ones, and only then
// limits, so tombstones never count against MaxAPIRules.
const apiRulesQuery = `SELECT name, last.1 FROM (
    SELECT name, argMax((body, deleted), version) AS last FROM alert_rules
    WHERE tenant = ? GROUP BY name
) WHERE last.2 = 0 ORDER BY name LIMIT ?`

// APIAlertRules returns the tenant's live rules set through the API, by
// name, at most MaxAPIRules. Stored bodies are decoded leniently
// (alerts.DecodeStoredRule); one that still cannot be read is listed in
// Unreadable instead of failing the others.
func (r *Reader) APIAlertRules(ctx context.Context, tenant string) (APIRules, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	var out APIRules
	var name, body string
	err := r.each(ctx, "alert rules", apiRulesQuery, []any{tenant, MaxAPIRules}, []any{&name, &body}, func() {
		rule, err := alerts.DecodeStoredRule([]byte(body))
		if err != nil || rule.Name != name {
			out.Unreadable = append(out.Unreadable, name)
			return
		}
		out.Rules = append(out.Rules, rule)
	})
	return out, err
}

// PutAlertRule stores rule for the tenant, replacing one of the same name.
// The caller validates the rule.
func (r *Reader) PutAlertRule(ctx context.Context, tenant string, rule alerts.Rule, now time.Time) error {
	body, err := json.Marshal(rule)
	if err != nil {
		return fmt.Errorf("cannot encode alert rule %q: %w", rule.Name, err)
	}
	return r.appendRule(ctx, tenant, rule.Name, 0, string(body), now)
}

// DeleteAlertRule writes a tombstone for the tenant's API rule; ErrNotFound
// when the tenant has no such live rule. It reads only that rule's latest
// tombstone flag, never a body, so an unreadable rule can be deleted.
func (r *Reader) DeleteAlertRule(ctx context.Context, tenant, name string, now time.Time) error {
	live, err := r.apiRuleLive(ctx, tenant, name)
	if err != nil {
		return err
	}
	if !live {
		return fmt.Errorf("%w: no alert rule %q set through the API", ErrNotFound, name)
	}
	return r.appendRule(ctx, tenant, name, 1, "", now)
}

// apiRuleLive reports whether the tenant's latest row of the name is not a
// tombstone.
func (r *Reader) apiRuleLive(ctx context.Context, tenant, name string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	const q = `SELECT argMax(deleted, version) AS last_deleted FROM alert_rules WHERE tenant = ? AND name = ? GROUP BY name`
	var deleted uint8
	live := false
	err := r.each(ctx, "alert rule", q, []any{tenant, name}, []any{&deleted}, func() { live = deleted == 0 })
	return live, err
}

func (r *Reader) appendRule(ctx context.Context, tenant, name string, deleted uint8, body string, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	batch, err := r.conn.PrepareBatch(ctx, "INSERT INTO alert_rules (tenant, name, version, deleted, updated, body)")
	if err != nil {
		return fmt.Errorf("cannot prepare the alert rule insert: %w", err)
	}
	if err := batch.Append(tenant, name, uint64(now.UnixNano()), deleted, now.UTC(), body); err != nil {
		return fmt.Errorf("cannot add alert rule %q: %w", name, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot store alert rule %q: %w", name, err)
	}
	return nil
}

// AlertStates are a tenant's stored states, by rule name and group key:
// what alerts.Evaluate takes as prev.
type AlertStates map[string]map[string]alerts.State

// LoadAlertStates returns the tenant's latest state of every group that is
// not inactive. Status and body come from the same row (argMax of a
// tuple): two rows of one version cannot mix.
func (r *Reader) LoadAlertStates(ctx context.Context, tenant string) (AlertStates, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	const q = `SELECT rule, group_key, last.2 FROM (
    SELECT rule, group_key, argMax((status, body), version) AS last
    FROM alert_states WHERE tenant = ? GROUP BY rule, group_key
) WHERE last.1 != 'inactive' LIMIT ?`
	out := AlertStates{}
	var rule, key, body string
	var decodeErr error
	err := r.each(ctx, "alert states", q, []any{tenant, maxAlertStates}, []any{&rule, &key, &body}, func() {
		var st alerts.State
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			decodeErr = fmt.Errorf("cannot decode the alert state of %s %s: %w", rule, key, err)
			return
		}
		if out[rule] == nil {
			out[rule] = map[string]alerts.State{}
		}
		out[rule][key] = st
	})
	if err == nil {
		err = decodeErr
	}
	return out, err
}

// SaveAlertStates stores one rule's evaluation at now: next's states, and
// an inactive tombstone for every group of prev that next dropped. The
// alerts job calls it before sending the evaluation's notifications.
//
// The version is when the rows are stored (storeVersion), not now: an
// evaluation of a minute already evaluated (a manual run right after the
// scheduled one, a restart within the minute) stores what it decided from
// the first one's states, and must replace them, not tie with them.
func (r *Reader) SaveAlertStates(ctx context.Context, tenant, rule string, prev, next map[string]alerts.State, now time.Time) error {
	var rows [][]any
	version := storeVersion()
	for _, k := range sortedKeys(next) {
		body, err := json.Marshal(next[k])
		if err != nil {
			return fmt.Errorf("cannot encode the alert state of %s %s: %w", rule, k, err)
		}
		rows = append(rows, []any{tenant, rule, k, version, string(next[k].Status), now.UTC(), string(body)})
	}
	for _, k := range sortedKeys(prev) {
		if _, kept := next[k]; !kept {
			rows = append(rows, []any{tenant, rule, k, version, string(alerts.StatusInactive), now.UTC(), "{}"})
		}
	}
	return r.insertRows(ctx, "alert states",
		"INSERT INTO alert_states (tenant, rule, group_key, version, status, updated, body)", rows)
}

// AppendAlertHistory records every status change between prev and next:
// a group absent from a map is inactive; resolved → inactive is not
// recorded (nothing happened that anyone was told about).
func (r *Reader) AppendAlertHistory(ctx context.Context, tenant, rule string, prev, next map[string]alerts.State, now time.Time) error {
	var rows [][]any
	add := func(st alerts.State, status alerts.Status) {
		labels, _ := json.Marshal(st.Labels) // a map of strings always encodes
		rows = append(rows, []any{tenant, rule, st.GroupKey, string(labels), string(status), st.LastValue,
			now.UTC(), uint32(now.Nanosecond())})
	}
	for _, k := range sortedKeys(next) {
		if p, had := prev[k]; !had || p.Status != next[k].Status {
			add(next[k], next[k].Status)
		}
	}
	for _, k := range sortedKeys(prev) {
		if _, kept := next[k]; !kept && prev[k].Status != alerts.StatusResolved {
			add(prev[k], alerts.StatusInactive)
		}
	}
	return r.insertRows(ctx, "alert history",
		"INSERT INTO alert_history (tenant, rule, group_key, labels, status, value, ts, ts_ns)", rows)
}

// lastStoreVersion is the latest version storeVersion gave.
var lastStoreVersion atomic.Uint64

// storeVersion is the wall clock in nanoseconds, and strictly above every
// version it gave before in this process (should the clock step back), so
// that a later store of a state always wins over an earlier one.
func storeVersion() uint64 {
	for {
		last := lastStoreVersion.Load()
		v := max(uint64(time.Now().UnixNano()), last+1)
		if lastStoreVersion.CompareAndSwap(last, v) {
			return v
		}
	}
}

// insertRows sends rows in one batch; nothing for no rows.
func (r *Reader) insertRows(ctx context.Context, what, insert string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	batch, err := r.conn.PrepareBatch(ctx, insert)
	if err != nil {
		return fmt.Errorf("cannot prepare the %s insert: %w", what, err)
	}
	for _, row := range rows {
		if err := batch.Append(row...); err != nil {
			return fmt.Errorf("cannot add to %s: %w", what, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot store %d rows of %s: %w", len(rows), what, err)
	}
	return nil
}

func sortedKeys(m map[string]alerts.State) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// AlertEvent is one status change of an alert group.
type AlertEvent struct {
	Rule        string            `json:"rule"`
	Fingerprint string            `json:"fingerprint"`
	Group       map[string]string `json:"group"`
	Status      string            `json:"status"` // pending, firing, resolved or inactive (a pending alert dropped)
	Value       float64           `json:"value"`
	At          time.Time         `json:"at"`
}

// HistoryQuery selects status changes: one tenant, [From, To), optionally
// one rule, the latest Limit first.
type HistoryQuery struct {
	Tenant   string
	From, To time.Time
	Rule     string
	Limit    int
}

// AlertHistory returns the status changes matching q, latest first.
func (r *Reader) AlertHistory(ctx context.Context, q HistoryQuery) ([]AlertEvent, error) {
	if q.Limit <= 0 || q.Limit > MaxAlertHistory {
		return nil, invalid("limit: must be between 1 and %d", MaxAlertHistory)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	query := `SELECT rule, group_key, labels, status, value, ts, ts_ns FROM alert_history
WHERE tenant = ? AND ts >= ? AND ts < ? AND (? = '' OR rule = ?)
ORDER BY ts DESC, ts_ns DESC, rule, group_key LIMIT ?`
	var out []AlertEvent
	var ev AlertEvent
	var key, labels string
	var ns uint32
	var decodeErr error
	dest := []any{&ev.Rule, &key, &labels, &ev.Status, &ev.Value, &ev.At, &ns}
	err := r.each(ctx, "alert history", query, []any{q.Tenant, q.From.UTC(), q.To.UTC(), q.Rule, q.Rule, q.Limit}, dest, func() {
		e := ev
		e.At, e.Fingerprint, e.Group = ev.At.UTC().Add(time.Duration(ns)), alerts.Fingerprint(q.Tenant, ev.Rule, key), map[string]string{}
		if err := json.Unmarshal([]byte(labels), &e.Group); err != nil {
			decodeErr = fmt.Errorf("cannot decode the labels of a %s event: %w", ev.Rule, err)
		}
		out = append(out, e)
	})
	if err == nil {
		err = decodeErr
	}
	return out, err
}

// AlertTenants lists the tenants the alerts job evaluates: those with
// traffic since since (hourly rollup) and those with alerts still pending
// or firing, which must resolve even when traffic stops altogether.
func (r *Reader) AlertTenants(ctx context.Context, since time.Time) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	const q = `SELECT DISTINCT tenant FROM function_usage_hour WHERE hour >= ? LIMIT ?`
	const active = `SELECT DISTINCT tenant FROM (
    SELECT tenant, argMax(status, version) AS last_status FROM alert_states GROUP BY tenant, rule, group_key
) WHERE last_status != 'inactive' LIMIT ?`
	var out []string
	var t string
	collect := func() {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if err := r.each(ctx, "tenants with traffic", q, []any{since.UTC().Truncate(time.Hour), maxRows}, []any{&t}, collect); err != nil {
		return nil, err
	}
	if err := r.each(ctx, "tenants with alerts", active, []any{maxRows}, []any{&t}, collect); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// PruneAlertHistory drops the monthly partitions of alert_history that end
// before cutoff (ClickHouse 18.16 has no TTL), and returns how many.
func (r *Reader) PruneAlertHistory(ctx context.Context, cutoff time.Time) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	const q = `SELECT DISTINCT partition_id FROM system.parts
WHERE database = currentDatabase() AND table = 'alert_history' AND active AND max_time < ?`
	var ids []string
	var id string
	if err := r.each(ctx, "alert history partitions", q, []any{cutoff.UTC()}, []any{&id}, func() { ids = append(ids, id) }); err != nil {
		return 0, err
	}
	for _, p := range ids {
		// partition_id comes from system.parts (digits of toYYYYMM), not from a request.
		if err := r.conn.Exec(ctx, fmt.Sprintf("ALTER TABLE alert_history DROP PARTITION ID '%s'", p)); err != nil {
			return 0, fmt.Errorf("cannot drop alert history partition %s: %w", p, err)
		}
	}
	return len(ids), nil
}
