package notify

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Defaults of HTTPConfig's zero values.
const (
	DefaultTimeout        = 10 * time.Second
	DefaultMaxAttempts    = 5
	DefaultInitialBackoff = 500 * time.Millisecond
	// DefaultValidFor keeps an alert active in Alertmanager for ten
	// one-minute evaluations without news, so a missed evaluation or two
	// never resolves it, and a stopped faascope resolves it soon.
	DefaultValidFor = 10 * time.Minute
)

// Bounds on retries.
const (
	// MaxBackoff caps the exponential delay between attempts.
	MaxBackoff = 30 * time.Second
	// MaxRetryAfter caps a receiver's Retry-After: alerts are evaluated every
	// minute, and a later delivery is better done by the next evaluation.
	MaxRetryAfter = time.Minute
	maxAttempts   = 20
)

const keyPrefix = "alerts.notifiers"

// Config lists the notifiers (YAML key "alerts.notifiers"). Every
// notification goes to every notifier.
type Config struct {
	Webhooks      []HTTPConfig         `yaml:"webhooks"`
	Slack         []HTTPConfig         `yaml:"slack"`
	Alertmanagers []AlertmanagerConfig `yaml:"alertmanagers"`
}

// NewDefaultConfig has no notifiers: alerts are evaluated and stored, and
// sent nowhere.
func NewDefaultConfig() Config { return Config{} }

// HTTPConfig is how a notifier reaches its receiver: the whole
// configuration of the webhook and Slack notifiers. Zero values take the
// defaults.
type HTTPConfig struct {
	// Name identifies the notifier in logs and the test-send API; unique.
	Name string `yaml:"name"`
	// URL receives the POST (Alertmanager: its base URL, without /api/v2/alerts).
	URL string `yaml:"url"`
	// Headers are added to every request, e.g. Authorization.
	Headers map[string]string `yaml:"headers"`
	// Timeout bounds one attempt (default 10s).
	Timeout time.Duration `yaml:"timeout"`
	// MaxAttempts bounds the attempts of one delivery, the first included (default 5, at most 20).
	MaxAttempts int `yaml:"max_attempts"`
	// InitialBackoff is the delay before the first retry; it doubles on
	// each retry up to MaxBackoff, with jitter (default 500ms).
	InitialBackoff time.Duration `yaml:"initial_backoff"`
}

// AlertmanagerConfig configures one Alertmanager; list every member of an
// HA cluster, as Prometheus does.
type AlertmanagerConfig struct {
	HTTPConfig `yaml:",inline"`
	// ValidFor is how long Alertmanager keeps a firing alert active without
	// hearing from faascope again (default 10m). Firing alerts are re-sent
	// every evaluation, so it must exceed the alerts job's interval.
	ValidFor time.Duration `yaml:"valid_for"`
}

var (
	nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	// headerRE is an RFC 9110 token.
	headerRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

// Validate reports every problem at once, each with its key under
// "alerts.notifiers".
func (c Config) Validate() error {
	var errs []error
	names := map[string]string{}
	check := func(key string, h HTTPConfig) {
		errs = append(errs, h.validate(key))
		if first, dup := names[h.Name]; dup && h.Name != "" {
			errs = append(errs, fmt.Errorf("%s.name: %q is already the name of %s", key, h.Name, first))
		}
		names[h.Name] = key
	}
	for i, h := range c.Webhooks {
		check(fmt.Sprintf("%s.webhooks[%d]", keyPrefix, i), h)
	}
	for i, h := range c.Slack {
		check(fmt.Sprintf("%s.slack[%d]", keyPrefix, i), h)
	}
	for i, a := range c.Alertmanagers {
		key := fmt.Sprintf("%s.alertmanagers[%d]", keyPrefix, i)
		check(key, a.HTTPConfig)
		if a.ValidFor < 0 {
			errs = append(errs, fmt.Errorf("%s.valid_for: must be > 0 (or 0 for %s), got %s", key, DefaultValidFor, a.ValidFor))
		}
	}
	return errors.Join(errs...)
}

func (h HTTPConfig) validate(key string) error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", key, field, fmt.Sprintf(format, args...)))
	}
	if !nameRE.MatchString(h.Name) {
		bad("name", "%q: want 1 to 64 letters, digits, _, . and -, starting with a letter or digit", h.Name)
	}
	if err := checkURL(h.URL); err != nil {
		bad("url", "%v", err)
	}
	for _, k := range slices.Sorted(maps.Keys(h.Headers)) {
		if !headerRE.MatchString(k) {
			bad("headers", "%q is not a header name", k)
		}
		if strings.ContainsAny(h.Headers[k], "\r\n") {
			bad("headers."+k, "a header value cannot contain a line break")
		}
	}
	if h.Timeout < 0 {
		bad("timeout", "must be > 0 (or 0 for %s), got %s", DefaultTimeout, h.Timeout)
	}
	if h.MaxAttempts < 0 || h.MaxAttempts > maxAttempts {
		bad("max_attempts", "must be 1 to %d (or 0 for %d), got %d", maxAttempts, DefaultMaxAttempts, h.MaxAttempts)
	}
	if h.InitialBackoff < 0 || h.InitialBackoff > MaxBackoff {
		bad("initial_backoff", "must be up to %s (or 0 for %s), got %s", MaxBackoff, DefaultInitialBackoff, h.InitialBackoff)
	}
	return errors.Join(errs...)
}

func checkURL(raw string) error {
	if raw == "" {
		return errors.New("required")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("not a URL") // url.Error would quote the URL and its secrets
	case u.Scheme == "":
		return errors.New("want an absolute http:// or https:// URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q: want an http:// or https:// URL", redactURL(u))
	case u.Host == "":
		return fmt.Errorf("%q: no host", redactURL(u))
	}
	return nil
}

// redactURL hides what a URL may carry as a secret: Slack webhook URLs are
// credentials in their path, and any URL may hold a password or a token in
// its query.
func redactURL(u *url.URL) string {
	return u.Scheme + "://" + u.Host + "/..."
}

// withDefaults fills zero values.
func (h HTTPConfig) withDefaults() HTTPConfig {
	if h.Timeout == 0 {
		h.Timeout = DefaultTimeout
	}
	if h.MaxAttempts == 0 {
		h.MaxAttempts = DefaultMaxAttempts
	}
	if h.InitialBackoff == 0 {
		h.InitialBackoff = DefaultInitialBackoff
	}
	return h
}
