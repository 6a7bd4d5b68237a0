package chlocal

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faascope/faascope/internal/chclient"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func TestDefaultConfigIsValid(t *testing.T) {
	if err := NewDefaultConfig().Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	if err := (Config{DataDir: "d", StartTimeout: time.Second, ListenHost: "::1"}).Validate(); err != nil {
		t.Fatalf("::1 rejected: %v", err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	err := Config{DataDir: " ", StartTimeout: 0, ListenHost: "0.0.0.0"}.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{
		"clickhouse.local.data_dir: must not be empty",
		"clickhouse.local.start_timeout: must be > 0",
		"clickhouse.local.listen_host: must be a loopback IP address",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := len(strings.Split(err.Error(), "\n")); n != 3 {
		t.Errorf("want 3 errors, got %d: %v", n, err)
	}
}

func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFindBinary(t *testing.T) {
	assertHelpful := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("want an error")
		}
		if !errors.Is(err, ErrBinaryNotFound) {
			t.Errorf("error does not wrap ErrBinaryNotFound: %v", err)
		}
		for _, want := range []string{"apt-get install -y clickhouse-server", "--clickhouse-addr"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	}

	t.Run("explicit missing", func(t *testing.T) {
		_, err := FindBinary("/nonexistent/clickhouse-server")
		assertHelpful(t, err)
		if !strings.Contains(err.Error(), "/nonexistent/clickhouse-server") {
			t.Errorf("error does not name the path: %v", err)
		}
	})
	t.Run("nothing found", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		old := fallbackPaths
		fallbackPaths = []string{filepath.Join(t.TempDir(), "clickhouse-server")}
		t.Cleanup(func() { fallbackPaths = old })
		_, err := FindBinary("")
		assertHelpful(t, err)
	})
	t.Run("multi-tool clickhouse on PATH", func(t *testing.T) {
		dir := t.TempDir()
		p := writeScript(t, dir, "clickhouse", "exit 0")
		t.Setenv("PATH", dir)
		old := fallbackPaths
		fallbackPaths = nil
		t.Cleanup(func() { fallbackPaths = old })
		got, err := FindBinary("")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0] != p || got[1] != "server" {
			t.Errorf("got %q, want [%s server]", got, p)
		}
		got, err = FindBinary(p)
		if err != nil || len(got) != 2 || got[1] != "server" {
			t.Errorf("explicit multi-tool: got %q, %v", got, err)
		}
	})
	t.Run("clickhouse-server preferred", func(t *testing.T) {
		dir := t.TempDir()
		writeScript(t, dir, "clickhouse", "exit 0")
		p := writeScript(t, dir, "clickhouse-server", "exit 0")
		t.Setenv("PATH", dir)
		got, err := FindBinary("")
		if err != nil || len(got) != 1 || got[0] != p {
			t.Errorf("got %q, %v; want [%s]", got, err, p)
		}
	})
}

func TestStartReportsLogTailWhenServerExits(t *testing.T) {
	bin := writeScript(t, t.TempDir(), "clickhouse-server", `echo "line one"; echo "Code: 42, fatal config problem" >&2; exit 70`)
	cfg := NewDefaultConfig()
	cfg.Binary = bin
	cfg.DataDir = t.TempDir()
	cfg.StartTimeout = 10 * time.Second
	_, err := Start(context.Background(), cfg, testLogger(t))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"exited during startup", "fatal config problem", "stdout.log", "exit status 70"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// The dir lock is released after a failed start.
	l, err := lockDir(cfg.DataDir)
	if err != nil {
		t.Fatalf("lock not released: %v", err)
	}
	l.Close()
}

func TestStartTimesOut(t *testing.T) {
	bin := writeScript(t, t.TempDir(), "clickhouse-server", `exec sleep 30`)
	cfg := NewDefaultConfig()
	cfg.Binary = bin
	cfg.DataDir = t.TempDir()
	cfg.StartTimeout = 300 * time.Millisecond
	start := time.Now()
	_, err := Start(context.Background(), cfg, testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "clickhouse.local.start_timeout") {
		t.Fatalf("want a start_timeout error, got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %s", d)
	}
}

// TestServer runs one real clickhouse-server through its whole life. The
// first port pair is taken on purpose, so the bind-retry path runs too.
func TestServer(t *testing.T) {
	if _, err := FindBinary(""); err != nil {
		t.Fatalf("a ClickHouse server binary is required for this test: %v", err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	realPick := pickPorts
	calls := 0
	pickPorts = func(host string, n int) ([]int, error) {
		calls++
		if calls == 1 {
			ports, err := realPick(host, n)
			if err != nil {
				return nil, err
			}
			ports[0] = busyPort
			return ports, nil
		}
		return realPick(host, n)
	}
	t.Cleanup(func() { pickPorts = realPick })

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := NewDefaultConfig()
	cfg.DataDir = filepath.Join(t.TempDir(), "ch")
	srv, err := Start(ctx, cfg, testLogger(t))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	if calls < 2 {
		t.Errorf("bind retry did not happen (pickPorts called %d times)", calls)
	}
	if !strings.HasPrefix(srv.Addr(), "127.0.0.1:") || srv.Addr() == srv.HTTPAddr() {
		t.Errorf("addresses: native %q http %q", srv.Addr(), srv.HTTPAddr())
	}
	for _, f := range []string{"config.xml", "users.xml", "log/stdout.log", "data/status"} {
		if _, err := os.Stat(filepath.Join(srv.DataDir(), f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}

	t.Run("http ping", func(t *testing.T) {
		resp, err := http.Get("http://" + srv.HTTPAddr() + "/ping")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if strings.TrimSpace(string(b)) != "Ok." {
			t.Errorf("ping answered %q", b)
		}
		// An idle keep-alive connection would hold up shutdown (keep_alive_timeout).
		http.DefaultClient.CloseIdleConnections()
	})

	t.Run("SELECT 1 via chclient", func(t *testing.T) {
		ccfg := chclient.NewDefaultConfig()
		ccfg.Addr = srv.Addr()
		c, err := chclient.Open(ctx, ccfg, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var one uint8
		if err := c.Conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("SELECT 1 = %d, %v", one, err)
		}
		var tz string
		if err := c.Conn.QueryRow(ctx, "SELECT timezone()").Scan(&tz); err != nil {
			t.Fatal(err)
		}
		if tz != "UTC" && tz != "Etc/UTC" {
			t.Errorf("server timezone %q, want UTC", tz)
		}
	})

	t.Run("second Start on the same dir fails", func(t *testing.T) {
		_, err := Start(ctx, cfg, testLogger(t))
		if err == nil {
			t.Fatal("second Start succeeded")
		}
		if !strings.Contains(err.Error(), "in use by another managed server") || !strings.Contains(err.Error(), srv.DataDir()) {
			t.Errorf("unclear error: %v", err)
		}
		select {
		case <-srv.Done():
			t.Fatal("first server died")
		default:
		}
	})

	t.Run("Stop", func(t *testing.T) {
		if err := srv.Stop(ctx); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		select {
		case <-srv.Done():
		default:
			t.Fatal("Done not closed after Stop")
		}
		if err := srv.Stop(ctx); err != nil {
			t.Errorf("second Stop: %v", err)
		}
		if _, err := http.Get("http://" + srv.HTTPAddr() + "/ping"); err == nil {
			t.Error("server still answers after Stop")
		}
		// The lock is free again.
		l, err := lockDir(srv.DataDir())
		if err != nil {
			t.Fatalf("lock not released after Stop: %v", err)
		}
		l.Close()
	})
}

func TestServerCrashClosesDone(t *testing.T) {
	if _, err := FindBinary(""); err != nil {
		t.Fatalf("a ClickHouse server binary is required for this test: %v", err)
	}
	cfg := NewDefaultConfig()
	cfg.DataDir = t.TempDir()
	srv, err := Start(context.Background(), cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(srv.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed after the child was killed")
	}
	if srv.Err() == nil {
		t.Error("Err() = nil after a crash")
	}
	if err := srv.Stop(context.Background()); err != nil {
		t.Errorf("Stop after crash: %v", err)
	}
	// The dir can be reused at once.
	l, err := lockDir(srv.DataDir())
	if err != nil {
		t.Fatalf("lock not released after crash: %v", err)
	}
	l.Close()
}

func TestTailFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.log")
	var b strings.Builder
	for i := range 30 {
		b.WriteString(strings.Repeat("x", i) + "\n")
	}
	if err := os.WriteFile(p, []byte("old\n"+b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(tailFile(p, 0, 20), "\n")
	if len(got) != 20 || got[19] != strings.Repeat("x", 29) {
		t.Errorf("tail: %d lines, last %q", len(got), got[len(got)-1])
	}
	if got := tailFile(p, int64(len("old\n")+1+2), 100); strings.Contains(got, "old") {
		t.Errorf("offset ignored: %q", got)
	}
	if tailFile(filepath.Join(t.TempDir(), "missing"), 0, 5) != "" {
		t.Error("missing file should give empty tail")
	}
}
