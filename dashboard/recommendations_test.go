package dashboard

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/keepwarm"
)

func TestRecommendationsPassFilters(t *testing.T) {
	a := &fakeAnalyzer{}
	mustGet(t, newTestServer(a, nil), "/api/v1/recommendations?function=orders-*&account=1&action=ping&limit=5")
	f := a.filter
	if f.Tenant != "default" || f.Function != "orders-*" || f.Account != "1" || a.action != "ping" || a.limit != 5 || !a.now.Equal(now) {
		t.Errorf("analyzer asked %+v action %q limit %d now %s", f, a.action, a.limit, a.now)
	}
}

func TestFunctionRecommendation(t *testing.T) {
	a := &fakeAnalyzer{}
	h := newTestServer(a, nil)
	if rec := get(h, "/api/v1/functions/aws:1:us-east-1:api/recommendation"); rec.Code != http.StatusNotFound ||
		!strings.Contains(decodeError(t, rec).Error.Message, "keepwarm job") {
		t.Errorf("no recommendation yet: %d %s", rec.Code, rec.Body.String())
	}
	if a.filter.Function != "api" || a.filter.Region != "us-east-1" || a.limit != 1 {
		t.Errorf("analyzer asked %+v limit %d", a.filter, a.limit)
	}
	a.recs = []analyzer.FunctionRecommendation{{ID: "aws:1:us-east-1:api", Recommendation: keepwarm.Recommendation{Action: keepwarm.ActionPing}}}
	body := mustGet(t, h, "/api/v1/functions/aws:1:us-east-1:api/recommendation").Body.String()
	if !strings.Contains(body, `"action":"ping"`) {
		t.Errorf("body %s", body)
	}
}

func TestReplayWindow(t *testing.T) {
	a := &fakeAnalyzer{}
	h := newTestServer(a, nil)
	mustGet(t, h, "/api/v1/functions/aws:1:us-east-1:api/replay")
	if a.window != [2]time.Duration{14 * 24 * time.Hour, 7 * 24 * time.Hour} || a.key.FunctionName != "api" {
		t.Errorf("defaults: window %v key %+v", a.window, a.key)
	}
	mustGet(t, h, "/api/v1/functions/aws:1:us-east-1:api/replay?window=21d&train=10d")
	if a.window != [2]time.Duration{21 * 24 * time.Hour, 10 * 24 * time.Hour} {
		t.Errorf("window %v", a.window)
	}
}

func TestRecommendationBadRequests(t *testing.T) {
	for _, c := range []struct{ path, want string }{
		{"/api/v1/recommendations?action=warm", `action: "warm" is not one of`},
		{"/api/v1/recommendations?limit=0", "limit: must be an integer from 1 to 1000"},
		{"/api/v1/recommendations?platform=aws_lambda", `unknown query parameter "platform"`},
		{"/api/v1/functions/aws/recommendation", "want provider:account:region:name"},
		{"/api/v1/functions/aws:1:r:f/replay?window=40d", "window: want a duration up to 840h0m0s"},
		{"/api/v1/functions/aws:1:r:f/replay?window=7d&train=7d", "train: want a duration up to 167h59m0s"},
		{"/api/v1/functions/aws:1:r:f/replay?train=soon", "train: want a duration"},
	} {
		a := &fakeAnalyzer{}
		rec := get(newTestServer(a, nil), c.path)
		if rec.Code != http.StatusBadRequest || !strings.Contains(decodeError(t, rec).Error.Message, c.want) || a.calls != 0 {
			t.Errorf("%s: %d %s (analyzer called %d times), want 400 containing %q", c.path, rec.Code, rec.Body.String(), a.calls, c.want)
		}
	}
}
