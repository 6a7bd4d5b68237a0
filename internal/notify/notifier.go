package notify

import (
	"context"
	"encoding/json"
	"fmt"
)

// Notifier delivers notifications to one receiver. Notify sends the whole
// batch, in order, in as few requests as the receiver allows; it returns
// once the receiver has accepted every request, or with the error that
// stopped it (after its retries). An empty batch, or one of refreshes only
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

// postJSON encodes v and posts it.
func (s *sender) postJSON(ctx context.Context, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("cannot encode %s payload: %w", s.kind, err)
	}
	return s.post(ctx, body)
}
