// Package notifytest holds fakes for tests of code that sends
// notifications: an Alertmanager API v2 receiver that checks what it is
// sent as Alertmanager does and records it.
package notifytest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Alert is one alert as an Alertmanager received it.
type Alert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	// Received is when the receiver got it; the alert is resolved if
	// EndsAt is not after it, as Alertmanager reads it.
	Received time.Time `json:"-"`
}

// Resolved reports whether Alertmanager would take the alert as resolved.
func (a Alert) Resolved() bool { return !a.EndsAt.After(a.Received) }

// Alertmanager is a loopback server answering POST /api/v2/alerts (under
// its URL's path) like Alertmanager: 200 for a valid array of alerts, 400
// with the reason otherwise. It is closed when the test ends.
type Alertmanager struct {
	*httptest.Server
	mu     sync.Mutex
	alerts []Alert
	posts  int
}

// NewAlertmanager starts a receiver.
func NewAlertmanager(t testing.TB) *Alertmanager {
	a := &Alertmanager{}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.Close)
	return a
}

func (a *Alertmanager) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/api/v2/alerts") {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var batch []Alert
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&batch); err != nil {
		http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	now := time.Now()
	for i := range batch {
		if err := validate(batch[i]); err != nil {
			http.Error(w, fmt.Sprintf("alert %d: %v", i, err), http.StatusBadRequest)
			return
		}
		batch[i].Received = now
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.alerts = append(a.alerts, batch...)
	a.posts++
}

// validate checks what Alertmanager's API checks of a postable alert.
func validate(a Alert) error {
	switch {
	case a.Labels["alertname"] == "":
		return errors.New("no alertname label")
	case a.StartsAt.IsZero():
		return errors.New("no startsAt")
	case !a.EndsAt.IsZero() && a.EndsAt.Before(a.StartsAt):
		return errors.New("endsAt before startsAt")
	}
	if a.GeneratorURL != "" {
		if u, err := url.Parse(a.GeneratorURL); err != nil || !u.IsAbs() {
			return fmt.Errorf("generatorURL %q is not an absolute URL", a.GeneratorURL)
		}
	}
	return nil
}

// Alerts returns every alert received, in order.
func (a *Alertmanager) Alerts() []Alert {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.alerts)
}

// Posts counts the requests accepted.
func (a *Alertmanager) Posts() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.posts
}

// Lifecycles returns, per alert (its labels as "k=v,..."), the states it
// went through as Alertmanager saw them: "firing" or "resolved", repeats of
// the same state collapsed, as Alertmanager deduplicates them.
func (a *Alertmanager) Lifecycles() map[string][]string {
	out := map[string][]string{}
	for _, al := range a.Alerts() {
		key := labelsKey(al.Labels)
		state := "firing"
		if al.Resolved() {
			state = "resolved"
		}
		if seen := out[key]; len(seen) == 0 || seen[len(seen)-1] != state {
			out[key] = append(seen, state)
		}
	}
	return out
}

func labelsKey(labels map[string]string) string {
	parts := make([]string, 0, len(labels))
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		parts = append(parts, k+"="+labels[k])
	}
	return strings.Join(parts, ",")
}
