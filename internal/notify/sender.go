package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Settings are a notifier's wiring.
type Settings struct {
	Logger *slog.Logger // nil: discard
	// Client sends the requests; nil: a client of its own. Its Timeout, if
	// any, applies on top of HTTPConfig.Timeout.
	Client *http.Client
}

// sender POSTs JSON to one receiver with retries; each notifier has one.
type sender struct {
	kind   string // "webhook", "slack", "alertmanager"
	cfg    HTTPConfig
	url    string // cfg.URL, or the endpoint derived from it
	client *http.Client
	logger *slog.Logger
}

func newSender(kind string, cfg HTTPConfig, endpoint string, set Settings) *sender {
	logger, client := set.Logger, set.Client
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if client == nil {
		client = &http.Client{}
	}
	return &sender{
		kind: kind, cfg: cfg.withDefaults(), url: endpoint, client: client,
		logger: logger.With("component", "notify", "notifier", cfg.Name, "kind", kind),
	}
}

// maxErrorBody bounds what of a failed answer is read into the error.
const maxErrorBody = 512

// attemptError is a failed attempt: retry says whether another may
// succeed, after (when > 0) is the receiver's Retry-After.
type attemptError struct {
	err   error
	retry bool
	after time.Duration
}

func (e *attemptError) Error() string { return e.err.Error() }
func (e *attemptError) Unwrap() error { return e.err }

// post delivers body, retrying what may succeed later until MaxAttempts or
// the end of ctx.
func (s *sender) post(ctx context.Context, body []byte) error {
	backoff := s.cfg.InitialBackoff
	for attempt := 1; ; attempt++ {
		err := s.try(ctx, body)
		if err == nil {
			return nil
		}
		var ae *attemptError
		if !errors.As(err, &ae) || !ae.retry || attempt == s.cfg.MaxAttempts {
			return fmt.Errorf("cannot notify %s %q (attempt %d of %d): %w", s.kind, s.cfg.Name, attempt, s.cfg.MaxAttempts, err)
		}
		delay := jitter(backoff)
		if ae.after > 0 {
			delay = min(ae.after, MaxRetryAfter)
		}
		s.logger.Warn("notification failed, retrying", "attempt", attempt, "retry_in", delay, "err", err)
		if err := sleep(ctx, delay); err != nil {
			return fmt.Errorf("cannot notify %s %q: gave up after attempt %d: %w (last error: %w)", s.kind, s.cfg.Name, attempt, err, ae)
		}
		backoff = min(2*backoff, MaxBackoff)
	}
}

// try makes one attempt. Errors the caller's context caused are not
// retried: the caller has given up; a timeout of the attempt itself is.
func (s *sender) try(ctx context.Context, body []byte) error {
	attemptCtx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(attemptCtx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("cannot build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "faascope")
	for k, v := range s.cfg.Headers {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		// url.Error quotes the URL, and a Slack URL's path is its secret.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return &attemptError{err: fmt.Errorf("cannot POST: %w", err), retry: ctx.Err() == nil}
	}
	defer resp.Body.Close()
	return answerError(resp)
}

// answerError reads a response: nil for 2xx, else an error with the status
// and the start of the body, retryable for 408, 429 and 5xx. The body is
// drained so that the connection can be reused.
func answerError(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	code := resp.StatusCode
	return &attemptError{
		err:   fmt.Errorf("receiver answered %s: %s", resp.Status, strings.TrimSpace(string(msg))),
		retry: code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500,
		after: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
// 0 when absent or unreadable, so the computed backoff applies.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(secs, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// jitter spreads retries over [d/2, d) so that notifiers failing together
// do not retry together.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
