package dashboard

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/internal/auth"
)

// Config is the API server's user configuration (YAML key "api").
type Config struct {
	Addr string `yaml:"addr"`
	// DefaultRange is the look-back when a request gives no "from".
	DefaultRange time.Duration `yaml:"default_range"`
	// MaxRange bounds how far back one request may look.
	MaxRange time.Duration `yaml:"max_range"`
	// TLS, when both files are set, serves the API over HTTPS.
	TLS auth.TLSConfig `yaml:"tls"`
	// FunctionMetrics are the per-function gauges on /metrics.
	FunctionMetrics FunctionMetricsConfig `yaml:"function_metrics"`
}

// FunctionMetricsConfig bounds the per-function gauges on /metrics: one
// series set per function would grow with the fleet, so only the busiest
// functions and an allowlist are exported.
type FunctionMetricsConfig struct {
	// TopN exports the N functions with the most invocations over the last
	// hour, per tenant; 0 exports only the allowlist.
	TopN int `yaml:"top_n"`
	// Allow adds the functions whose names match these globs (* and ?).
	Allow []string `yaml:"allow"`
	// Refresh is how often the gauges are recomputed; scrapes read the cache.
	Refresh time.Duration `yaml:"refresh"`
	// Timeout bounds one refresh; a refresh that fails keeps the last values.
	Timeout time.Duration `yaml:"timeout"`
	// Tenants whose functions are exported.
	Tenants []string `yaml:"tenants"`
}

// Enabled reports whether any function is exported.
func (c FunctionMetricsConfig) Enabled() bool { return c.TopN > 0 || len(c.Allow) > 0 }

// NewDefaultConfig: loopback :8080, last 24 h by default, at most 400 days,
// gauges for the 50 busiest functions of tenant "default" every minute.
func NewDefaultConfig() Config {
	return Config{
		Addr: "127.0.0.1:8080", DefaultRange: 24 * time.Hour, MaxRange: 400 * 24 * time.Hour,
		FunctionMetrics: FunctionMetricsConfig{TopN: 50, Refresh: time.Minute, Timeout: 30 * time.Second, Tenants: []string{"default"}},
	}
}

// Validate reports every problem at once, keyed under "api".
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("api.addr: must be host:port, got %q", c.Addr))
	}
	if c.DefaultRange <= 0 {
		errs = append(errs, errors.New("api.default_range: must be > 0"))
	}
	if c.MaxRange < c.DefaultRange {
		errs = append(errs, errors.New("api.max_range: must be >= api.default_range"))
	}
	errs = append(errs, c.TLS.Validate("api.tls"), c.FunctionMetrics.validate("api.function_metrics"))
	return errors.Join(errs...)
}

// maxGlob bounds an allowlist glob as the analyzer bounds filter values.
const maxGlob = 256

func (c FunctionMetricsConfig) validate(key string) error {
	var errs []error
	if c.TopN < 0 || c.TopN > analyzer.MaxPageSize {
		errs = append(errs, fmt.Errorf("%s.top_n: must be between 0 and %d, got %d", key, analyzer.MaxPageSize, c.TopN))
	}
	for i, g := range c.Allow {
		if g == "" || len(g) > maxGlob {
			errs = append(errs, fmt.Errorf("%s.allow[%d]: must be a glob of 1 to %d bytes", key, i, maxGlob))
		}
	}
	if c.Refresh < time.Second {
		errs = append(errs, fmt.Errorf("%s.refresh: must be at least 1s, got %s", key, c.Refresh))
	}
	if c.Timeout <= 0 || c.Timeout > c.Refresh {
		errs = append(errs, fmt.Errorf("%s.timeout: must be > 0 and <= %s.refresh, got %s", key, key, c.Timeout))
	}
	if c.Enabled() && len(c.Tenants) == 0 {
		errs = append(errs, fmt.Errorf("%s.tenants: must name at least one tenant when top_n or allow is set", key))
	}
	seen := map[string]bool{}
	for i, t := range c.Tenants {
		if t == "" || seen[t] {
			errs = append(errs, fmt.Errorf("%s.tenants[%d]: must be a distinct non-empty tenant, got %q", key, i, t))
		}
		seen[t] = true
	}
	return errors.Join(errs...)
}
