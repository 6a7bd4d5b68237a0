// Package notify delivers alert notifications over HTTP: a generic JSON
// webhook, a Slack-compatible incoming webhook and the Alertmanager API v2
// (POST /api/v2/alerts), so users can route faascope's alerts through their
// own Alertmanager.
//
// What it guarantees, notifier by notifier:
//
//   - every request has a deadline (Timeout per attempt) and the caller's
//     context bounds the whole delivery;
//   - network errors, 408, 429 and 5xx answers are retried with exponential
//     backoff and jitter, up to MaxAttempts; a Retry-After header (seconds or
//     an HTTP date) replaces the computed delay, capped at MaxRetryAfter;
//   - any other 4xx is permanent (the receiver will not change its mind) and
//     fails at once with the status and the start of the answer's body;
//   - cancelling the context stops the retries.
//
// Notification is the payload every notifier takes. Its producer is the
// alert evaluator in analyzer/alerts, which imports this package (analyzer
// may import internal; internal imports only schemas, so the type lives
// here). A Notification with Refresh set repeats a firing alert that was
// already announced: only Alertmanager, which expires alerts it stops
// hearing about, sends those; the webhook and Slack skip them.
//
// Build makes the notifiers of a Config; TestBatch is what a test send
// delivers. notifytest holds a fake Alertmanager for tests.
//
// notify imports only the standard library.
package notify
