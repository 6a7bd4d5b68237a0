package notify_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/faascope/faascope/internal/notify"
)

// t0 is when the test alerts start.
var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// answer is one scripted response.
type answer struct {
	status     int
	retryAfter string
	body       string
}

// request is what the receiver got.
type request struct {
	path   string
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is a loopback server that answers from a script (200 once it
// runs out) and records every request.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	script   []answer
	requests []request
}

func newReceiver(t *testing.T, script ...answer) *receiver {
	r := &receiver{script: script}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.requests = append(r.requests, request{path: req.URL.Path, header: req.Header.Clone(), body: body, at: time.Now()})
	a := answer{status: http.StatusOK}
	if len(r.script) > 0 {
		a, r.script = r.script[0], r.script[1:]
	}
	r.mu.Unlock()
	if a.retryAfter != "" {
		w.Header().Set("Retry-After", a.retryAfter)
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

func (r *receiver) got() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.requests...)
}

// fast is an HTTPConfig that retries without waiting long.
func fast(url string) notify.HTTPConfig {
	return notify.HTTPConfig{Name: "test", URL: url, Timeout: 2 * time.Second, MaxAttempts: 3, InitialBackoff: time.Millisecond}
}

// batch is a firing alert, a refresh of another and a resolved one.
func batch() []notify.Notification {
	n := func(fn string, status notify.Status, severity string) notify.Notification {
		return notify.Notification{
			Tenant: "acme", Rule: "cold", Status: status, Group: map[string]string{"function": fn}, Value: 0.5, Threshold: 0.2, Severity: severity,
			Labels:      map[string]string{"alertname": "cold", "severity": severity, "tenant": "acme", "function": fn},
			Annotations: map[string]string{"summary": fn + " <starts> cold & slow"}, StartsAt: t0,
			Link: "https://faascope.test/api/v1/functions/" + fn, Fingerprint: "fp-" + fn,
		}
	}
	refresh := n("b", notify.StatusFiring, "warning")
	refresh.Refresh = true
	resolved := n("c", notify.StatusResolved, "warning")
	resolved.EndsAt = t0.Add(time.Hour)
	return []notify.Notification{n("a", notify.StatusFiring, "critical"), refresh, resolved}
}
