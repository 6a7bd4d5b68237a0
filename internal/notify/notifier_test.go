package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/internal/notify"
	"github.com/faascope/faascope/internal/notify/notifytest"
)

func TestWebhookPayload(t *testing.T) {
	r := newReceiver(t)
	cfg := fast(r.URL + "/hook")
	cfg.Headers = map[string]string{"Authorization": "Bearer s3cret"}
	if err := notify.NewWebhook(cfg, notify.Settings{}).Notify(t.Context(), batch()); err != nil {
		t.Fatal(err)
	}
	reqs := r.got()
	if len(reqs) != 1 || reqs[0].path != "/hook" || reqs[0].header.Get("Authorization") != "Bearer s3cret" ||
		reqs[0].header.Get("Content-Type") != "application/json" {
		t.Fatalf("requests: %+v", reqs)
	}
	var got notify.WebhookPayload
	if err := json.Unmarshal(reqs[0].body, &got); err != nil {
		t.Fatal(err)
	}
	want := batch()
	want = []notify.Notification{want[0], want[2]} // the refresh is not news
	if got.Version != "1" || !reflect.DeepEqual(got.Alerts, want) {
		t.Errorf("payload:\n got %+v\nwant %+v", got, want)
	}
	var raw struct{ Alerts []map[string]any }
	_ = json.Unmarshal(reqs[0].body, &raw)
	if _, ok := raw.Alerts[0]["endsAt"]; ok || raw.Alerts[1]["endsAt"] != "2026-03-02T13:00:00Z" {
		t.Errorf("endsAt: firing %v, resolved %v", raw.Alerts[0]["endsAt"], raw.Alerts[1]["endsAt"])
	}
}

func TestNothingToSendSendsNothing(t *testing.T) {
	r := newReceiver(t)
	am, err := notify.NewAlertmanager(notify.AlertmanagerConfig{HTTPConfig: fast(r.URL)}, notify.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	refreshOnly := batch()[1:2]
	for _, n := range []notify.Notifier{notify.NewWebhook(fast(r.URL), notify.Settings{}), notify.NewSlack(fast(r.URL), notify.Settings{})} {
		if err := n.Notify(t.Context(), refreshOnly); err != nil {
			t.Error(err)
		}
	}
	if err := am.Notify(t.Context(), nil); err != nil {
		t.Error(err)
	}
	if n := len(r.got()); n != 0 {
		t.Errorf("%d requests for nothing new", n)
	}
}

type slackMessage struct {
	Text        string `json:"text"`
	Attachments []struct {
		Color, Fallback, Title, Text string
		TitleLink                    string `json:"title_link"`
		Fields                       []struct {
			Title, Value string
			Short        bool
		}
		Ts int64
	}
}

func TestSlackPayload(t *testing.T) {
	r := newReceiver(t)
	if err := notify.NewSlack(fast(r.URL), notify.Settings{}).Notify(t.Context(), batch()); err != nil {
		t.Fatal(err)
	}
	var m slackMessage
	if err := json.Unmarshal(r.got()[0].body, &m); err != nil {
		t.Fatal(err)
	}
	if m.Text != "faascope: 1 firing, 1 resolved" || len(m.Attachments) != 2 {
		t.Fatalf("message: %+v", m)
	}
	fire, res := m.Attachments[0], m.Attachments[1]
	if fire.Color != "#d00000" || fire.Title != "[FIRING] cold function=a" || fire.TitleLink != "https://faascope.test/api/v1/functions/a" ||
		fire.Text != "a &lt;starts&gt; cold &amp; slow" || fire.Ts != t0.Unix() || len(fire.Fields) != 4 || fire.Fields[0].Value != "0.5" ||
		fire.Fields[3].Title != "Tenant" || fire.Fields[3].Value != "acme" {
		t.Errorf("firing attachment: %+v", fire)
	}
	if res.Color != "#2eb886" || res.Title != "[RESOLVED] cold function=c" || res.Ts != t0.Add(time.Hour).Unix() {
		t.Errorf("resolved attachment: %+v", res)
	}
}

func TestSlackSplitsLargeBatches(t *testing.T) {
	r := newReceiver(t)
	var many []notify.Notification
	for i := range 45 {
		n := batch()[0]
		n.Group = map[string]string{"function": fmt.Sprint(i)}
		many = append(many, n)
	}
	if err := notify.NewSlack(fast(r.URL), notify.Settings{}).Notify(t.Context(), many); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, req := range r.got() {
		var m slackMessage
		_ = json.Unmarshal(req.body, &m)
		sizes = append(sizes, len(m.Attachments))
	}
	if !reflect.DeepEqual(sizes, []int{20, 20, 5}) {
		t.Errorf("messages of %v attachments, want 20, 20, 5", sizes)
	}
}

// many is n firing notifications of distinct functions.
func many(n int) []notify.Notification {
	var out []notify.Notification
	for i := range n {
		x := batch()[0]
		x.Group = map[string]string{"function": fmt.Sprint(i)}
		x.Labels = map[string]string{"alertname": "cold", "tenant": "acme", "function": fmt.Sprint(i)}
		out = append(out, x)
	}
	return out
}

// A batch larger than notify.MaxBatch goes out in requests of at most
// MaxBatch alerts, in order, every alert once, to the webhook and to
// Alertmanager alike.
func TestWebhookAndAlertmanagerSplitLargeBatches(t *testing.T) {
	total := 2*notify.MaxBatch + 7
	want := []int{notify.MaxBatch, notify.MaxBatch, 7}
	r := newReceiver(t)
	if err := notify.NewWebhook(fast(r.URL), notify.Settings{}).Notify(t.Context(), many(total)); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	var functions []string
	for _, req := range r.got() {
		var p notify.WebhookPayload
		if err := json.Unmarshal(req.body, &p); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(p.Alerts))
		for _, a := range p.Alerts {
			functions = append(functions, a.Group["function"])
		}
	}
	if !reflect.DeepEqual(sizes, want) || len(functions) != total || functions[total-1] != fmt.Sprint(total-1) {
		t.Errorf("webhook requests of %v alerts (%d in all, last %v), want %v", sizes, len(functions), functions[len(functions)-1:], want)
	}

	am := notifytest.NewAlertmanager(t)
	n, err := notify.NewAlertmanager(notify.AlertmanagerConfig{HTTPConfig: fast(am.URL)}, notify.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(t.Context(), many(total)); err != nil {
		t.Fatal(err)
	}
	if am.Posts() != len(want) || len(am.Alerts()) != total || len(am.Lifecycles()) != total {
		t.Errorf("Alertmanager: %d posts, %d alerts, %d distinct, want %d posts of %d distinct alerts",
			am.Posts(), len(am.Alerts()), len(am.Lifecycles()), len(want), total)
	}
}

// A failed chunk stops the delivery: the chunks after it are not sent.
func TestFailedChunkStopsTheDelivery(t *testing.T) {
	r := newReceiver(t, answer{status: http.StatusOK}, answer{status: http.StatusBadRequest, body: "too big"})
	err := notify.NewWebhook(fast(r.URL), notify.Settings{}).Notify(t.Context(), many(3*notify.MaxBatch))
	if err == nil || !strings.Contains(err.Error(), "too big") || len(r.got()) != 2 {
		t.Errorf("err %v after %d requests, want the second request's refusal after 2", err, len(r.got()))
	}
}

func TestAlertmanagerPayload(t *testing.T) {
	am := notifytest.NewAlertmanager(t)
	cfg := notify.AlertmanagerConfig{HTTPConfig: fast(am.URL + "/prefix/"), ValidFor: 7 * time.Minute}
	n, err := notify.NewAlertmanager(cfg, notify.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	if err := n.Notify(t.Context(), batch()); err != nil {
		t.Fatal(err)
	}
	got := am.Alerts()
	if len(got) != 3 {
		t.Fatalf("alerts: %+v", got)
	}
	b := batch()
	for i, a := range got {
		if !reflect.DeepEqual(a.Labels, b[i].Labels) || !reflect.DeepEqual(a.Annotations, b[i].Annotations) ||
			!a.StartsAt.Equal(t0) || a.GeneratorURL != b[i].Link {
			t.Errorf("alert %d: %+v", i, a)
		}
	}
	// Firing alerts, refreshes included, stay active ValidFor ahead.
	for _, a := range got[:2] {
		if a.EndsAt.Before(before.Add(7*time.Minute)) || a.EndsAt.After(time.Now().Add(7*time.Minute)) || a.Resolved() {
			t.Errorf("firing endsAt %v, want now+7m", a.EndsAt)
		}
	}
	if !got[2].EndsAt.Equal(t0.Add(time.Hour)) || !got[2].Resolved() {
		t.Errorf("resolved endsAt: %v", got[2].EndsAt)
	}
}

// TestAlertmanagerLifecycle feeds an Alertmanager two groups firing, a
// refresh, then both resolved: it must see each fire once and resolve once.
func TestAlertmanagerLifecycle(t *testing.T) {
	am := notifytest.NewAlertmanager(t)
	n, err := notify.NewAlertmanager(notify.AlertmanagerConfig{HTTPConfig: fast(am.URL)}, notify.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	group := func(fn string, status notify.Status, refresh bool) notify.Notification {
		x := notify.Notification{Rule: "cold", Status: status, Labels: map[string]string{"alertname": "cold", "function": fn},
			StartsAt: t0, Refresh: refresh}
		if status == notify.StatusResolved {
			x.EndsAt = t0.Add(time.Minute)
		}
		return x
	}
	for _, b := range [][]notify.Notification{
		{group("a", notify.StatusFiring, false), group("b", notify.StatusFiring, false)},
		{group("a", notify.StatusFiring, true), group("b", notify.StatusFiring, true)},
		{group("a", notify.StatusResolved, false), group("b", notify.StatusResolved, false)},
	} {
		if err := n.Notify(t.Context(), b); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][]string{"alertname=cold,function=a": {"firing", "resolved"}, "alertname=cold,function=b": {"firing", "resolved"}}
	if got := am.Lifecycles(); !reflect.DeepEqual(got, want) || am.Posts() != 3 {
		t.Errorf("lifecycles %v after %d posts, want %v after 3", got, am.Posts(), want)
	}
}

func TestAlertmanagerRejectionIsPermanent(t *testing.T) {
	am := notifytest.NewAlertmanager(t)
	n, _ := notify.NewAlertmanager(notify.AlertmanagerConfig{HTTPConfig: fast(am.URL)}, notify.Settings{})
	bad := batch()[:1]
	bad[0].Labels = map[string]string{"function": "a"}
	err := n.Notify(t.Context(), bad)
	if err == nil || !strings.Contains(err.Error(), "400 Bad Request: alert 0: no alertname label") || !strings.Contains(err.Error(), "attempt 1 of 3") {
		t.Errorf("err: %v", err)
	}
}

func TestRetries(t *testing.T) {
	unavailable := answer{status: http.StatusServiceUnavailable, body: "busy"}
	cases := []struct {
		name     string
		script   []answer
		attempts int
		err      string // "" for success
	}{
		{"503 then success", []answer{unavailable, unavailable}, 3, ""},
		{"500, 502, 408 and 429 are retried", []answer{{status: 500}, {status: 502}}, 3, ""},
		{"attempts are bounded", []answer{unavailable, unavailable, unavailable, unavailable}, 3, "attempt 3 of 3): receiver answered 503 Service Unavailable: busy"},
		{"400 is not retried", []answer{{status: 400, body: "bad payload"}}, 1, "attempt 1 of 3): receiver answered 400 Bad Request: bad payload"},
		{"404 is not retried", []answer{{status: 404}}, 1, "404 Not Found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newReceiver(t, c.script...)
			err := notify.NewWebhook(fast(r.URL), notify.Settings{}).Notify(t.Context(), batch())
			if got := len(r.got()); got != c.attempts {
				t.Errorf("%d attempts, want %d", got, c.attempts)
			}
			if (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
				t.Errorf("err %v, want %q", err, c.err)
			}
			for _, req := range r.got()[1:] {
				if string(req.body) != string(r.got()[0].body) {
					t.Error("a retry sent another body")
				}
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	r := newReceiver(t, answer{status: http.StatusTooManyRequests, retryAfter: "1"})
	if err := notify.NewWebhook(fast(r.URL), notify.Settings{}).Notify(t.Context(), batch()); err != nil {
		t.Fatal(err)
	}
	reqs := r.got()
	if len(reqs) != 2 {
		t.Fatalf("%d attempts", len(reqs))
	}
	// The backoff alone would wait about a millisecond.
	if gap := reqs[1].at.Sub(reqs[0].at); gap < 900*time.Millisecond || gap > 5*time.Second {
		t.Errorf("retried after %s, want about 1s", gap)
	}
}

func TestNetworkErrorsAndTimeoutsAreRetried(t *testing.T) {
	closed := newReceiver(t)
	closed.Close()
	err := notify.NewWebhook(fast(closed.URL+"/services/SECRET"), notify.Settings{}).Notify(t.Context(), batch())
	if err == nil || !strings.Contains(err.Error(), "attempt 3 of 3): cannot POST: dial tcp") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("connection refused: %v", err)
	}

	slow := make(chan struct{}, 1)
	slow <- struct{}{}
	srv := newReceiver(t)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// Reading the body lets the server notice the client hanging up.
		_, _ = io.Copy(io.Discard, req.Body)
		select {
		case <-slow: // the first attempt hangs past its timeout
			<-req.Context().Done()
		default:
		}
	})
	cfg := fast(srv.URL)
	cfg.Timeout = 100 * time.Millisecond
	if err := notify.NewWebhook(cfg, notify.Settings{}).Notify(t.Context(), batch()); err != nil {
		t.Errorf("a timed-out attempt was not retried: %v", err)
	}
}

func TestCancelStopsRetries(t *testing.T) {
	r := newReceiver(t, answer{status: 503}, answer{status: 503})
	cfg := fast(r.URL)
	cfg.InitialBackoff = 20 * time.Second
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := notify.NewWebhook(cfg, notify.Settings{}).Notify(ctx, batch())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "503") {
		t.Errorf("err: %v, want the deadline and the last answer", err)
	}
	if took := time.Since(start); took > 5*time.Second || len(r.got()) != 1 {
		t.Errorf("took %s and %d attempts after the context ended", took, len(r.got()))
	}
}

func TestBuild(t *testing.T) {
	r := newReceiver(t)
	cfg := notify.Config{
		Webhooks:      []notify.HTTPConfig{{Name: "hook", URL: r.URL}},
		Slack:         []notify.HTTPConfig{{Name: "chat", URL: r.URL}},
		Alertmanagers: []notify.AlertmanagerConfig{{HTTPConfig: notify.HTTPConfig{Name: "am", URL: r.URL}}},
	}
	ns, err := notify.Build(cfg, notify.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range ns {
		names = append(names, n.Name())
		if err := n.Notify(t.Context(), notify.TestBatch(t0, "acme")); err != nil {
			t.Errorf("%s: %v", n.Name(), err)
		}
	}
	if !reflect.DeepEqual(names, []string{"hook", "chat", "am"}) || len(r.got()) != 3 || r.got()[2].path != "/api/v2/alerts" {
		t.Errorf("notifiers %v, requests %+v", names, r.got())
	}
}

func TestRetryAfterDate(t *testing.T) {
	r := newReceiver(t, answer{status: 503, retryAfter: time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)})
	if err := notify.NewWebhook(fast(r.URL), notify.Settings{}).Notify(t.Context(), batch()); err != nil || len(r.got()) != 2 {
		t.Errorf("a past Retry-After date: %v after %d attempts", err, len(r.got()))
	}
}
