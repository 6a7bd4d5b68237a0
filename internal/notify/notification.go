package notify

import "time"

// Status is a notification's alert status.
type Status string

// The statuses a notification carries.
const (
	StatusFiring   Status = "firing"
	StatusResolved Status = "resolved"
)

// Notification is one alert group's news: it started firing, it is still
// firing (a repeat), or it resolved. Its JSON form is the element of the
// generic webhook's "alerts" array.
type Notification struct {
	// Tenant is whose data the alert is about; also the "tenant" label.
	Tenant string `json:"tenant"`
	Rule   string `json:"rule"`
	Status Status `json:"status"`
	// Group holds the values of the rule's group-by labels (function,
	// account, ...); empty for a rule without group_by.
	Group     map[string]string `json:"group"`
	Value     float64           `json:"value"`
	Threshold float64           `json:"threshold"`
	Severity  string            `json:"severity"`
	// Labels identify the alert: the rule's labels, the group's non-empty
	// values, alertname, severity and tenant.
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	// StartsAt is when the condition started holding (the start of pending,
	// as in Prometheus); EndsAt is when it resolved, zero while firing.
	StartsAt time.Time `json:"startsAt"`
	EndsAt   time.Time `json:"endsAt,omitzero"`
	// Link is the group's resource in faascope's API, under
	// alerts.external_url: {external_url}/api/v1/functions/{id} for one
	// function, else the function list filtered to the group. It answers
	// JSON to a request with a token (docs/api.md), not a web page. Empty
	// without alerts.external_url.
	Link string `json:"link,omitempty"`
	// Fingerprint is a stable hash of the tenant, the rule and the group,
	// for receivers that deduplicate.
	Fingerprint string `json:"fingerprint"`
	// Refresh marks a firing alert that was already announced and whose
	// repeat interval has not passed: Alertmanager needs it to keep the
	// alert active, other notifiers skip it.
	Refresh bool `json:"-"`
}

// announced drops refreshes: what a notifier that keeps no alert state sends.
func announced(batch []Notification) []Notification {
	var out []Notification
	for _, n := range batch {
		if !n.Refresh {
			out = append(out, n)
		}
	}
	return out
}

// TestBatch is what a test send delivers: one firing alert of a rule named
// "faascope-test" for tenant (the caller's), so users can check a
// notifier's route end to end, tenant label included.
func TestBatch(now time.Time, tenant string) []Notification {
	labels := map[string]string{"alertname": "faascope-test", "severity": "info", "tenant": tenant, "function": "faascope-test-function"}
	return []Notification{{
		Tenant: tenant, Rule: "faascope-test", Status: StatusFiring, Group: map[string]string{"function": "faascope-test-function"},
		Severity: "info", Labels: labels,
		Annotations: map[string]string{"summary": "Test notification from faascope: this notifier works."},
		StartsAt:    now, Fingerprint: "faascope-test",
	}}
}
