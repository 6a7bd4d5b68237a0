package chclient_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/faascope/faascope/internal/chclient"
	"github.com/faascope/faascope/internal/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

func TestDefaultConfigIsValid(t *testing.T) {
	if err := chclient.NewDefaultConfig().Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	c := chclient.NewDefaultConfig()
	c.Addr = "ch1:9000, ch2:9000,[::1]:9440"
	if err := c.Validate(); err != nil {
		t.Fatalf("address list rejected: %v", err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := chclient.Config{
		Addr:         "no-port",
		Database:     "bad-name; DROP",
		Username:     "",
		DialTimeout:  0,
		QueryTimeout: 500 * time.Millisecond,
		MaxOpenConns: 0,
		TLS:          chclient.TLSConfig{CertFile: "c.pem"},
	}
	err := c.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	want := []string{
		"clickhouse.addr: ",
		"clickhouse.database: must match [A-Za-z_][A-Za-z0-9_]*",
		"clickhouse.username: must not be empty",
		"clickhouse.dial_timeout: must be > 0",
		"clickhouse.query_timeout: must be >= 1s",
		"clickhouse.max_open_conns: must be >= 1",
		"clickhouse.tls: cert_file and key_file must be set together",
		"clickhouse.tls.enabled: must be true",
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if n := len(strings.Split(err.Error(), "\n")); n != len(want) {
		t.Errorf("want %d errors, got %d:\n%v", len(want), n, err)
	}

	c = chclient.NewDefaultConfig()
	c.TLS = chclient.TLSConfig{Enabled: true, CAFile: filepath.Join(t.TempDir(), "missing.pem")}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "clickhouse.tls.ca_file: cannot read") {
		t.Errorf("missing CA file: %v", err)
	}
}

func TestDDLSettingsOnlyForLegacyServers(t *testing.T) {
	for _, tc := range []struct {
		major  int
		legacy bool
	}{{1, true}, {18, true}, {19, false}, {23, false}, {25, false}} {
		c := &chclient.Client{Version: chclient.Version{Major: tc.major}}
		if c.Legacy() != tc.legacy {
			t.Errorf("major %d: Legacy() = %v", tc.major, c.Legacy())
		}
		s := c.DDLSettings()
		if tc.legacy {
			if s["allow_experimental_low_cardinality_type"] != 1 {
				t.Errorf("major %d: DDLSettings() = %v", tc.major, s)
			}
		} else if s != nil {
			t.Errorf("major %d: DDLSettings() = %v, want nil", tc.major, s)
		}
		ctx := context.Background()
		if got := c.DDLContext(ctx); (got != ctx) != tc.legacy {
			t.Errorf("major %d: DDLContext changed ctx = %v", tc.major, got != ctx)
		}
	}
}

func openConfig(db string) chclient.Config {
	c := chclient.NewDefaultConfig()
	c.Addr = chtest.Addr()
	c.Database = db
	return c
}

func TestOpenCreatesDatabase(t *testing.T) {
	ctx := context.Background()
	db := "chclient_open_" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "_")
	c, err := chclient.Open(ctx, openConfig(db), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
		_ = c.Close()
	})
	if c.Database != db {
		t.Errorf("Database = %q", c.Database)
	}
	if c.Version.Major <= 0 || c.Version.String == "" || c.Version.Revision == 0 {
		t.Errorf("version not detected: %+v", c.Version)
	}
	t.Logf("server version %+v legacy=%v", c.Version, c.Legacy())

	var n uint64
	if err := c.Conn.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", db).Scan(&n); err != nil || n != 1 {
		t.Fatalf("database count = %d, %v", n, err)
	}
	var cur string
	if err := c.Conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&cur); err != nil || cur != db {
		t.Errorf("currentDatabase() = %q, %v", cur, err)
	}
	// QueryTimeout reaches the server as max_execution_time.
	var v string
	if err := c.Conn.QueryRow(ctx, "SELECT value FROM system.settings WHERE name = 'max_execution_time'").Scan(&v); err != nil || v != "30" {
		t.Errorf("max_execution_time = %q, %v; want 30", v, err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Error(err)
	}

	// Opening again is fine (IF NOT EXISTS).
	c2, err := chclient.Open(ctx, openConfig(db), nil)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	if err := c2.Close(); err != nil {
		t.Error(err)
	}
}

func TestOpenFailsFastOnWrongPassword(t *testing.T) {
	cfg := openConfig("default")
	cfg.Password = "wrong"
	start := time.Now()
	_, err := chclient.Open(context.Background(), cfg, nil)
	if err == nil {
		t.Fatal("Open with a wrong password succeeded")
	}
	var exc *clickhouse.Exception
	if !errors.As(err, &exc) {
		t.Errorf("want a server exception, got %v", err)
	}
	if d := time.Since(start); d > cfg.DialTimeout {
		t.Errorf("auth failure was retried for %s", d)
	}
}

func TestOpenUnreachable(t *testing.T) {
	cfg := openConfig("faascope")
	cfg.Addr = "127.0.0.1:1"
	cfg.DialTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err := chclient.Open(context.Background(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "cannot connect to clickhouse at 127.0.0.1:1") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s, want about 3×dial_timeout", d)
	}
}

func TestOpenRejectsBadTLSFiles(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := openConfig("faascope")
	cfg.TLS = chclient.TLSConfig{Enabled: true, CAFile: bad}
	_, err := chclient.Open(context.Background(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "no PEM certificates") {
		t.Fatalf("got %v", err)
	}
}

// TestDDLContextAllowsLowCardinality runs the version gate against the real
// server: with DDLContext a LowCardinality column can be created on any
// version; on a legacy server it fails without.
func TestDDLContextAllowsLowCardinality(t *testing.T) {
	c := chtest.NewDatabase(t)
	ctx := context.Background()
	const ddl = "CREATE TABLE %s (fn LowCardinality(String), ts DateTime) ENGINE = MergeTree ORDER BY ts"
	if err := c.Conn.Exec(c.DDLContext(ctx), strings.Replace(ddl, "%s", "with_gate", 1)); err != nil {
		t.Fatalf("CREATE with DDLContext: %v", err)
	}
	if c.Legacy() {
		err := c.Conn.Exec(ctx, strings.Replace(ddl, "%s", "without_gate", 1))
		var exc *clickhouse.Exception
		if !errors.As(err, &exc) || exc.Code != 44 {
			t.Errorf("legacy server accepted LowCardinality without the setting, or failed differently: %v", err)
		}
	}
}
