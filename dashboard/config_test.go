package dashboard

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultConfigIsValid(t *testing.T) {
	if err := NewDefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	c := NewDefaultConfig()
	c.Addr = "8080"
	c.FunctionMetrics = FunctionMetricsConfig{TopN: 1001, Allow: []string{"ok-*", ""}, Refresh: 0, Timeout: time.Second,
		Tenants: []string{"a", "a"}}
	err := c.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{
		"api.addr:", "api.function_metrics.top_n: must be between 0 and 1000, got 1001",
		"api.function_metrics.allow[1]:", "api.function_metrics.refresh: must be at least 1s",
		"api.function_metrics.timeout: must be > 0 and <= api.function_metrics.refresh",
		`api.function_metrics.tenants[1]: must be a distinct non-empty tenant, got "a"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%v", want, err)
		}
	}
	c = NewDefaultConfig()
	c.FunctionMetrics.Tenants = nil
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "api.function_metrics.tenants: must name at least one tenant") {
		t.Errorf("no tenants: %v", err)
	}
	c.FunctionMetrics.TopN = 0
	if err := c.Validate(); err != nil {
		t.Errorf("disabled function metrics need no tenants: %v", err)
	}
}
