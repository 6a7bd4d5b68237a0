package notify

import "context"

// WebhookVersion is the version of the webhook payload; it changes only
// when a field changes meaning or goes away.
const WebhookVersion = "1"

// Webhook POSTs {"version": "1", "alerts": [Notification...]} to a URL.
type Webhook struct{ *sender }

// WebhookPayload is the body the webhook posts.
type WebhookPayload struct {
	Version string         `json:"version"`
	Alerts  []Notification `json:"alerts"`
}

// NewWebhook makes a webhook notifier; cfg must be valid. No I/O.
func NewWebhook(cfg HTTPConfig, set Settings) *Webhook {
	return &Webhook{newSender("webhook", cfg, cfg.URL, set)}
}

// Notify posts every notification but refreshes, MaxBatch per request.
func (w *Webhook) Notify(ctx context.Context, batch []Notification) error {
	return postChunks(ctx, w.sender, announced(batch), MaxBatch, func(chunk []Notification) any {
		return WebhookPayload{Version: WebhookVersion, Alerts: chunk}
	})
}
