package notify

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// Alertmanager POSTs alerts to an Alertmanager's API v2 (/api/v2/alerts),
// as Prometheus does: every firing alert on every evaluation (refreshes
// included) with endsAt ValidFor ahead, so Alertmanager keeps it active
// while faascope keeps reporting it and resolves it by itself if faascope
// stops; resolved alerts with their resolution time. Alertmanager does the
// grouping, deduplication, repeats and routing.
type Alertmanager struct {
	*sender
	validFor time.Duration
}

// postableAlert is Alertmanager's postableAlert.
type postableAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// NewAlertmanager makes an Alertmanager notifier; cfg must be valid. No I/O.
func NewAlertmanager(cfg AlertmanagerConfig, set Settings) (*Alertmanager, error) {
	endpoint, err := url.JoinPath(cfg.URL, "api/v2/alerts")
	if err != nil {
		return nil, fmt.Errorf("cannot make the Alertmanager URL of %q: %w", cfg.Name, err)
	}
	validFor := cfg.ValidFor
	if validFor == 0 {
		validFor = DefaultValidFor
	}
	return &Alertmanager{sender: newSender("alertmanager", cfg.HTTPConfig, endpoint, set), validFor: validFor}, nil
}

// Notify posts the batch as arrays of at most MaxBatch alerts. The tenant
// is one of the labels (analyzer/alerts sets it), so two tenants' alerts
// on the same function are two alerts to Alertmanager.
func (a *Alertmanager) Notify(ctx context.Context, batch []Notification) error {
	return postChunks(ctx, a.sender, batch, MaxBatch, func(chunk []Notification) any {
		return a.postable(chunk, time.Now())
	})
}

// postable converts notifications to Alertmanager's alerts, firing ones
// valid for validFor from now.
func (a *Alertmanager) postable(batch []Notification, now time.Time) []postableAlert {
	alerts := make([]postableAlert, len(batch))
	for i, n := range batch {
		ends := n.EndsAt
		switch {
		case n.Status == StatusFiring:
			ends = now.Add(a.validFor)
		case ends.IsZero():
			ends = now
		}
		alerts[i] = postableAlert{Labels: n.Labels, Annotations: n.Annotations, StartsAt: n.StartsAt, EndsAt: ends, GeneratorURL: n.Link}
	}
	return alerts
}
