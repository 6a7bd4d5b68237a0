package chtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/faascope/faascope/internal/chclient"
	"github.com/faascope/faascope/internal/chlocal"
)

// Environment variables read by Main.
const (
	EnvAddr   = "FAASCOPE_TEST_CLICKHOUSE_ADDR"
	EnvBinary = "FAASCOPE_TEST_CLICKHOUSE_BINARY"
)

// addr is the package server's native address, set by Main.
var addr string

// Addr returns the native protocol address (host:port) of the server that
// Main started (or FAASCOPE_TEST_CLICKHOUSE_ADDR). Empty before Main.
func Addr() string { return addr }

// Main runs the tests of a package against one throwaway ClickHouse server
// and returns the exit code for os.Exit. It fails (exit code 1) with a
// message on stderr when the server cannot be started.
func Main(m *testing.M) int {
	flag.Parse()
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		// A fuzzing worker runs only the fuzz target, many processes at a
		// time; fuzz targets test pure code, so no server is started.
		return m.Run()
	}
	if a := os.Getenv(EnvAddr); a != "" {
		// Fail once, clearly, rather than in every test.
		cfg := chclient.NewDefaultConfig()
		cfg.Addr = a
		cfg.Database = "default"
		c, err := chclient.Open(context.Background(), cfg, nil)
		if err != nil {
			fmt.Fprintf(os.Stderr, "chtest: %s=%s: %v\n", EnvAddr, a, err)
			return 1
		}
		_ = c.Close()
		addr = a
		return m.Run()
	}
	if _, err := chlocal.FindBinary(os.Getenv(EnvBinary)); err != nil {
		fmt.Fprintf(os.Stderr, "chtest: storage tests need a real ClickHouse server: %v\n"+
			"(tests: set %s to the server binary, or %s=host:9000 to use a running server)\n",
			err, EnvBinary, EnvAddr)
		return 1
	}
	dir, err := os.MkdirTemp("", "faascope-chtest-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "chtest: cannot create a temporary directory: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := chlocal.NewDefaultConfig()
	cfg.Binary = os.Getenv(EnvBinary)
	cfg.DataDir = dir
	cfg.StartTimeout = 60 * time.Second
	srv, err := chlocal.Start(context.Background(), cfg, logger)
	if err != nil {
		fmt.Fprintf(os.Stderr, "chtest: %v\n", err)
		return 1
	}
	addr = srv.Addr()

	code := m.Run()

	select {
	case <-srv.Done():
		fmt.Fprintf(os.Stderr, "chtest: clickhouse-server exited during the tests (%v); see the errors above\n", srv.Err())
		if code == 0 {
			code = 1
		}
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "chtest: %v\n", err)
	}
	return code
}

// NewDatabase returns a client on a new, uniquely named database
// (test_<random>) of the package server. The database is dropped and the
// client closed when the test ends.
func NewDatabase(t testing.TB) *chclient.Client {
	t.Helper()
	if addr == "" {
		t.Fatal("chtest: no server: call os.Exit(chtest.Main(m)) from TestMain")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	cfg := chclient.NewDefaultConfig()
	cfg.Addr = addr
	cfg.Database = "test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := chclient.Open(ctx, cfg, nil)
	if err != nil {
		t.Fatalf("chtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := c.Conn.Exec(ctx, "DROP DATABASE IF EXISTS `"+c.Database+"`")
		err = errors.Join(err, c.Close())
		if err != nil {
			t.Errorf("chtest: cannot drop test database %s: %v", c.Database, err)
		}
	})
	return c
}
