package chclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Version is the ClickHouse server version reported in the native handshake.
type Version struct {
	Major, Minor, Patch int
	// Revision is the native protocol revision (54412 for 18.16.1).
	Revision uint64
	// String is "major.minor.patch".
	String string
}

// Client is a pooled native-protocol connection to one database.
type Client struct {
	// Conn is the pooled connection; its default database is Database.
	Conn driver.Conn
	// Version of the server, detected at Open.
	Version Version
	// Database is the database Open created (if needed) and connected to.
	Database string
}

// legacyMajor is the first major version without the 18.x restrictions.
const legacyMajor = 19

// Legacy reports whether the server is older than 19.x (Debian's 18.16):
// LowCardinality columns then need allow_experimental_low_cardinality_type=1
// at DDL time (see DDLContext).
func (c *Client) Legacy() bool { return c.Version.Major < legacyMajor }

// DDLSettings returns the settings that CREATE/ALTER statements need on this
// server, or nil when none are needed. Modern servers reject the legacy
// setting name, so it is only sent to legacy servers.
func (c *Client) DDLSettings() clickhouse.Settings {
	if !c.Legacy() {
		return nil
	}
	return clickhouse.Settings{"allow_experimental_low_cardinality_type": 1}
}

// DDLContext returns ctx carrying DDLSettings, for running schema
// migrations; on modern servers it returns ctx unchanged.
func (c *Client) DDLContext(ctx context.Context) context.Context {
	s := c.DDLSettings()
	if s == nil {
		return ctx
	}
	return clickhouse.Context(ctx, clickhouse.WithSettings(s))
}

// Ping checks that the server answers.
func (c *Client) Ping(ctx context.Context) error {
	if err := c.Conn.Ping(ctx); err != nil {
		return fmt.Errorf("cannot ping clickhouse: %w", err)
	}
	return nil
}

// Close closes all pooled connections.
func (c *Client) Close() error {
	if err := c.Conn.Close(); err != nil {
		return fmt.Errorf("cannot close clickhouse connection: %w", err)
	}
	return nil
}

// Open connects to cfg.Addr, waits (bounded by 3×DialTimeout and ctx) for
// the server to answer, detects its version, creates cfg.Database if it
// does not exist, and returns a pooled connection to it. A nil logger
// discards log output.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Client, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "chclient")
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("cannot connect to clickhouse: invalid config: %w", err)
	}
	if cfg.Addr == "" {
		return nil, errors.New("cannot connect to clickhouse: clickhouse.addr is empty (start a managed server with chlocal and pass its address)")
	}
	tlsCfg, err := cfg.TLS.build()
	if err != nil {
		return nil, err
	}
	if tlsCfg != nil && tlsCfg.InsecureSkipVerify {
		logger.Warn("clickhouse TLS certificate verification is disabled (clickhouse.tls.insecure_skip_verify)")
	}

	opts := baseOptions(cfg, tlsCfg)

	// Bootstrap: the target database may not exist yet, so connect to
	// "default" with a single connection.
	boot := opts
	boot.Auth.Database = "default"
	boot.MaxOpenConns, boot.MaxIdleConns = 1, 1
	bootConn, err := clickhouse.Open(&boot)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to clickhouse at %s: %w", cfg.Addr, err)
	}
	defer bootConn.Close()
	if err := pingRetry(ctx, bootConn, cfg.Addr, 3*cfg.DialTimeout, cfg.DialTimeout); err != nil {
		return nil, err
	}
	sv, err := bootConn.ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("cannot read clickhouse server version: %w", err)
	}
	ver := versionOf(sv)
	tz := ""
	if sv.Timezone != nil {
		tz = sv.Timezone.String()
	}
	logger.Info("connected to clickhouse", "addr", cfg.Addr, "version", ver.String, "revision", ver.Revision,
		"server", sv.DisplayName, "timezone", tz, "legacy", ver.Major < legacyMajor, "database", cfg.Database)

	// The name is validated by databaseRE, so splicing it is safe. No
	// ENGINE clause: Atomic is unknown to 18.16, Ordinary deprecated later.
	if err := bootConn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS `"+cfg.Database+"`"); err != nil {
		return nil, fmt.Errorf("cannot create clickhouse database %q: %w", cfg.Database, err)
	}

	conn, err := clickhouse.Open(&opts)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to clickhouse at %s: %w", cfg.Addr, err)
	}
	if err := pingRetry(ctx, conn, cfg.Addr, cfg.DialTimeout, cfg.DialTimeout); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return &Client{Conn: conn, Version: ver, Database: cfg.Database}, nil
}

func baseOptions(cfg Config, tlsCfg *tls.Config) clickhouse.Options {
	return clickhouse.Options{
		Addr: cfg.Addrs(),
		Auth: clickhouse.Auth{
			Database: cfg.Database,
			Username: cfg.Username,
			Password: cfg.Password,
		},
		TLS:         tlsCfg,
		DialTimeout: cfg.DialTimeout,
		Compression: &clickhouse.Compression{Method: clickhouse.CompressionLZ4},
		// Ints only: 18.16 (protocol < 54429) cannot take other types.
		Settings:        clickhouse.Settings{"max_execution_time": queryTimeoutSeconds(cfg.QueryTimeout)},
		MaxOpenConns:    cfg.MaxOpenConns,
		MaxIdleConns:    cfg.MaxOpenConns,
		ConnMaxLifetime: time.Hour,
		ClientInfo: clickhouse.ClientInfo{Products: []struct {
			Name    string
			Version string
		}{{Name: "faascope"}}},
	}
}

// queryTimeoutSeconds converts QueryTimeout to whole seconds, rounded up so
// that a non-zero timeout never becomes 0 (which means unlimited).
func queryTimeoutSeconds(d time.Duration) int {
	return max(int(math.Ceil(d.Seconds())), 1)
}

// pingRetry pings until success, a server-side error (wrong password,
// unknown user: retrying does not help), ctx ends, or budget elapses.
func pingRetry(ctx context.Context, conn driver.Conn, addr string, budget, perTry time.Duration) error {
	deadline := time.Now().Add(budget)
	backoff := 50 * time.Millisecond
	attempts := 0
	for {
		attempts++
		pctx, cancel := context.WithTimeout(ctx, perTry)
		err := conn.Ping(pctx)
		cancel()
		if err == nil {
			return nil
		}
		var exc *clickhouse.Exception
		if errors.As(err, &exc) {
			return fmt.Errorf("cannot connect to clickhouse at %s: %w", addr, err)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("cannot connect to clickhouse at %s: %w (last error: %v)", addr, ctx.Err(), err)
		}
		if time.Now().Add(backoff).After(deadline) {
			return fmt.Errorf("cannot connect to clickhouse at %s after %d attempts in %s: %w", addr, attempts, budget, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, time.Second)
	}
}

func versionOf(sv *driver.ServerVersion) Version {
	v := Version{
		Major:    int(sv.Version.Major),
		Minor:    int(sv.Version.Minor),
		Patch:    int(sv.Version.Patch),
		Revision: sv.Revision,
	}
	v.String = fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	return v
}

// build returns the tls.Config for t, or nil when TLS is off.
func (t TLSConfig) build() (*tls.Config, error) {
	if !t.Enabled {
		return nil, nil
	}
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         t.ServerName,
		InsecureSkipVerify: t.InsecureSkipVerify, //nolint:gosec // explicit opt-in, logged at Open
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read clickhouse.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("cannot use clickhouse.tls.ca_file %s: no PEM certificates found", t.CAFile)
		}
		c.RootCAs = pool
	}
	if t.CertFile != "" || t.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("cannot load clickhouse.tls.cert_file/key_file: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
