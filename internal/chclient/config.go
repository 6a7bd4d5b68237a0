package chclient

import (
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TLSConfig configures TLS for the native protocol connection.
type TLSConfig struct {
	Enabled bool `yaml:"enabled"`
	// CAFile is a PEM bundle of CAs to trust instead of the system pool.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a PEM client certificate and key (mutual TLS).
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
	// ServerName overrides the name checked against the server certificate.
	ServerName string `yaml:"server_name"`
}

// Config configures the ClickHouse connection (yaml key clickhouse).
type Config struct {
	// Addr is host:port of the native protocol (usually 9000, 9440 with
	// TLS); several comma-separated addresses are tried in order. Empty
	// means faascope starts a managed local server (package chlocal).
	Addr     string    `yaml:"addr"`
	Database string    `yaml:"database"`
	Username string    `yaml:"username"`
	Password string    `yaml:"password"`
	TLS      TLSConfig `yaml:"tls"`
	// DialTimeout bounds one connection attempt; Open retries for up to
	// three times this long while the server is starting.
	DialTimeout time.Duration `yaml:"dial_timeout"`
	// QueryTimeout is sent to the server as max_execution_time (whole
	// seconds, rounded up) on every query.
	QueryTimeout time.Duration `yaml:"query_timeout"`
	MaxOpenConns int           `yaml:"max_open_conns"`
}

// Defaults for Config.
const (
	DefaultDatabase     = "faascope"
	DefaultUsername     = "default"
	DefaultDialTimeout  = 5 * time.Second
	DefaultQueryTimeout = 30 * time.Second
	DefaultMaxOpenConns = 8
)

// NewDefaultConfig returns the configuration used when nothing is set.
func NewDefaultConfig() Config {
	return Config{
		Database:     DefaultDatabase,
		Username:     DefaultUsername,
		DialTimeout:  DefaultDialTimeout,
		QueryTimeout: DefaultQueryTimeout,
		MaxOpenConns: DefaultMaxOpenConns,
	}
}

// databaseRE is what Database must match. Open splices the name into
// CREATE DATABASE, which is safe only because of this check.
var databaseRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

const keyPrefix = "clickhouse."

// Validate reports every problem at once, each prefixed with its yaml key.
func (c Config) Validate() error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf(keyPrefix+key+": "+format, args...))
	}
	if c.Addr != "" {
		for _, a := range c.Addrs() {
			if err := checkAddr(a); err != nil {
				add("addr", "%v", err)
			}
		}
	}
	if !databaseRE.MatchString(c.Database) || len(c.Database) > 200 {
		add("database", "must match [A-Za-z_][A-Za-z0-9_]* and have at most 200 characters (got %q)", c.Database)
	}
	if c.Username == "" {
		add("username", "must not be empty")
	}
	if c.DialTimeout <= 0 {
		add("dial_timeout", "must be > 0 (got %s)", c.DialTimeout)
	}
	if c.QueryTimeout < time.Second {
		// max_execution_time is whole seconds and 0 means unlimited.
		add("query_timeout", "must be >= 1s (got %s)", c.QueryTimeout)
	}
	if c.MaxOpenConns < 1 {
		add("max_open_conns", "must be >= 1 (got %d)", c.MaxOpenConns)
	}
	t := c.TLS
	if (t.CertFile == "") != (t.KeyFile == "") {
		add("tls", "cert_file and key_file must be set together")
	}
	if t.Enabled {
		for _, f := range []struct{ key, path string }{{"ca_file", t.CAFile}, {"cert_file", t.CertFile}, {"key_file", t.KeyFile}} {
			if f.path == "" {
				continue
			}
			if _, err := os.Stat(f.path); err != nil {
				add("tls."+f.key, "cannot read: %v", err)
			}
		}
	} else if t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.ServerName != "" || t.InsecureSkipVerify {
		add("tls.enabled", "must be true when other clickhouse.tls settings are given")
	}
	return errors.Join(errs...)
}

// Addrs returns the comma-separated addresses of Addr, trimmed.
func (c Config) Addrs() []string {
	var out []string
	for _, a := range strings.Split(c.Addr, ",") {
		out = append(out, strings.TrimSpace(a))
	}
	return out
}

func checkAddr(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %w", a, err)
	}
	if host == "" {
		return fmt.Errorf("%q has no host", a)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("%q has an invalid port", a)
	}
	return nil
}
