package dashboard

import (
	"errors"
	"fmt"
	"net"
	"time"

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
}

// NewDefaultConfig: loopback :8080, last 24 h by default, at most 400 days.
func NewDefaultConfig() Config {
	return Config{Addr: "127.0.0.1:8080", DefaultRange: 24 * time.Hour, MaxRange: 400 * 24 * time.Hour}
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
	errs = append(errs, c.TLS.Validate("api.tls"))
	return errors.Join(errs...)
}
