package chlocal

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Config configures the managed local clickhouse-server. It lives under the
// clickhouse.local key of the faascope configuration.
type Config struct {
	// Binary is the clickhouse-server (or multi-tool clickhouse) executable.
	// Empty means search: see FindBinary.
	Binary string `yaml:"binary"`
	// DataDir holds the generated config, the server's data and its logs.
	DataDir string `yaml:"data_dir"`
	// StartTimeout bounds the wait until the server answers /ping.
	StartTimeout time.Duration `yaml:"start_timeout"`
	// ListenHost is the loopback address the server binds to.
	ListenHost string `yaml:"listen_host"`
}

// Defaults for Config.
const (
	DefaultDataDir      = "./data/clickhouse"
	DefaultStartTimeout = 30 * time.Second
	DefaultListenHost   = "127.0.0.1"
)

// keyPrefix is the yaml path of Config inside the faascope configuration.
const keyPrefix = "clickhouse.local."

// NewDefaultConfig returns the configuration used when nothing is set.
func NewDefaultConfig() Config {
	return Config{
		DataDir:      DefaultDataDir,
		StartTimeout: DefaultStartTimeout,
		ListenHost:   DefaultListenHost,
	}
}

// Validate reports every problem at once, each prefixed with its yaml key.
func (c Config) Validate() error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf(keyPrefix+key+": "+format, args...))
	}
	if strings.TrimSpace(c.Binary) != c.Binary {
		add("binary", "must not have leading or trailing spaces")
	}
	if strings.TrimSpace(c.DataDir) == "" {
		add("data_dir", "must not be empty")
	}
	if c.StartTimeout <= 0 {
		add("start_timeout", "must be > 0 (got %s)", c.StartTimeout)
	}
	if ip := net.ParseIP(c.ListenHost); ip == nil || !ip.IsLoopback() {
		// The managed server has a password-less default user: it must
		// never be reachable from other machines.
		add("listen_host", "must be a loopback IP address such as 127.0.0.1 or ::1 (got %q)", c.ListenHost)
	}
	return errors.Join(errs...)
}
