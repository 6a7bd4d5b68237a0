package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/internal/notify"
)

func TestConfigValidateNamesEveryBadKey(t *testing.T) {
	cfg := notify.Config{
		Webhooks: []notify.HTTPConfig{
			{Name: "ok", URL: "https://hooks.example.com/x", Timeout: time.Second, MaxAttempts: 3, InitialBackoff: time.Second},
			{Name: "bad name", URL: "ftp://example.com", Timeout: -1, MaxAttempts: 21, InitialBackoff: time.Hour,
				Headers: map[string]string{"X Bad": "v", "X-Token": "a\nb"}},
		},
		Slack: []notify.HTTPConfig{
			{Name: "ok", URL: "https://hooks.slack.com/services/T0/B0/x"},
			{Name: "noscheme", URL: "hooks.slack.com/services/T000/SECRET"},
			{Name: "secret", URL: "https://example.com/%zzSECRET"},
		},
		Alertmanagers: []notify.AlertmanagerConfig{{HTTPConfig: notify.HTTPConfig{Name: "am", URL: ""}, ValidFor: -time.Minute}},
	}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("valid")
	}
	wants := []string{
		`alerts.notifiers.webhooks[1].name: "bad name": want 1 to 64 letters`,
		`alerts.notifiers.webhooks[1].url: "ftp://example.com/...": want an http:// or https:// URL`,
		`alerts.notifiers.webhooks[1].headers: "X Bad" is not a header name`,
		`alerts.notifiers.webhooks[1].headers.X-Token: a header value cannot contain a line break`,
		`alerts.notifiers.webhooks[1].timeout: must be > 0 (or 0 for 10s), got -1ns`,
		`alerts.notifiers.webhooks[1].max_attempts: must be 1 to 20 (or 0 for 5), got 21`,
		`alerts.notifiers.webhooks[1].initial_backoff: must be up to 30s (or 0 for 500ms), got 1h0m0s`,
		`alerts.notifiers.slack[0].name: "ok" is already the name of alerts.notifiers.webhooks[0]`,
		`alerts.notifiers.slack[1].url: want an absolute http:// or https:// URL`,
		`alerts.notifiers.slack[2].url: not a URL`,
		`alerts.notifiers.alertmanagers[0].url: required`,
		`alerts.notifiers.alertmanagers[0].valid_for: must be > 0 (or 0 for 10m0s), got -1m0s`,
	}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q", want)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != len(wants) {
		t.Errorf("%d problems, want %d:\n%v", n, len(wants), err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("a URL's secret path is in the error:\n%v", err)
	}
	if err := notify.NewDefaultConfig().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}
