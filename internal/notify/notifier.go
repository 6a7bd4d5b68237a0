package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// Notifier delivers notifications to one receiver. Notify sends the whole
// batch, in order, in requests of at most MaxBatch alerts (Slack: 20); it
// returns once the receiver has accepted every request, or with the error
// that stopped it (after its retries): the requests after a failed one are
// not sent, as they would most likely fail the same way. An empty batch, or one of refreshes only
// for a notifier that skips them, sends nothing. Safe for concurrent use.
type Notifier interface {
	// Name is the configured name, for logs and the test-send API.
	Name() string
	Notify(ctx context.Context, batch []Notification) error
}

// Compile-time checks.
var (
	_ Notifier = (*Webhook)(nil)
	_ Notifier = (*Slack)(nil)
	_ Notifier = (*Alertmanager)(nil)
)

// Build makes every configured notifier, webhooks first, then Slack, then
// Alertmanagers. cfg must be valid (Config.Validate).
func Build(cfg Config, set Settings) ([]Notifier, error) {
	var out []Notifier
	for _, c := range cfg.Webhooks {
		out = append(out, NewWebhook(c, set))
	}
	for _, c := range cfg.Slack {
		out = append(out, NewSlack(c, set))
	}
	for _, c := range cfg.Alertmanagers {
		am, err := NewAlertmanager(c, set)
		if err != nil {
			return nil, err
		}
		out = append(out, am)
	}
	return out, nil
}

// Name is the notifier's configured name.
func (s *sender) Name() string { return s.cfg.Name }

// MaxBatch bounds the alerts in one webhook or Alertmanager request, so
// that a request body stays bounded whatever the evaluation produced (at
// most 64 alerts of at most a few annotations of MaxAnnotationBytes each
// in analyzer/alerts). Prometheus posts up to 256 alerts per request to
// Alertmanager; 64 keeps the generic webhook's bodies, which carry more
// per alert, small for receivers with request size limits.
const MaxBatch = 64

// postChunks posts batch in chunks of at most size, each as the payload
// payload builds, stopping at the first chunk that fails.
func postChunks[T any](ctx context.Context, s *sender, batch []T, size int, payload func([]T) any) error {
	for chunk := range slices.Chunk(batch, size) {
		if err := s.postJSON(ctx, payload(chunk)); err != nil {
			return err
		}
	}
	return nil
}

// postJSON encodes v and posts it.
func (s *sender) postJSON(ctx context.Context, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("cannot encode %s payload: %w", s.kind, err)
	}
	return s.post(ctx, body)
}
