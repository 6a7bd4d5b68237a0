package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faascope/faascope/internal/chtest"
)

// envChildArgs makes the test binary run "faascope" with these JSON-encoded
// arguments instead of the tests: how the crash test gets a real process
// it can kill -9.
const envChildArgs = "FAASCOPE_TEST_CHILD_ARGS"

// runChildIfAsked is called from TestMain before anything else.
func runChildIfAsked() {
	raw := os.Getenv(envChildArgs)
	if raw == "" {
		return
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		panic(err)
	}
	os.Exit(run(context.Background(), args, os.Environ(), os.Stdout, os.Stderr))
}

// startChildEnv starts "faascope serve" as a separate process, with extra
// environment variables.
func startChildEnv(t *testing.T, args []string, logs *bytes.Buffer, env ...string) *exec.Cmd {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(append(os.Environ(), envChildArgs+"="+string(raw), "FAASCOPE_COLLECTOR_WRITER_FLUSH_INTERVAL=50ms"), env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func waitReady(t *testing.T, api string, logs *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get("http://" + api + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready: %s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serveArgs are the flags of a "faascope serve" child on its own ports and
// data directory, reaching ClickHouse at clickhouseAddr.
func serveArgs(t *testing.T, clickhouseAddr, database string) (args []string, grpcAddr, api string) {
	grpcAddr, api = freeAddr(t), freeAddr(t)
	return []string{"serve", "--clickhouse-addr", clickhouseAddr, "--clickhouse-database", database,
		"--otlp-grpc-addr", grpcAddr, "--otlp-http-addr", freeAddr(t), "--api-addr", api,
		"--data-dir", t.TempDir(), "--log-level", "warn"}, grpcAddr, api
}

// startProxiedServe starts a serve child whose line to ClickHouse goes
// through a proxy the test can cut, and waits until it is ready.
func startProxiedServe(t *testing.T, logs *bytes.Buffer, env ...string) (proxy *chtest.Proxy, grpcAddr, api string) {
	t.Helper()
	db := chtest.NewDatabase(t)
	proxy = chtest.NewProxy(t, chtest.Addr())
	args, grpcAddr, api := serveArgs(t, proxy.Addr(), db.Database)
	cmd := startChildEnv(t, args, logs, env...)
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	waitReady(t, api, logs)
	return proxy, grpcAddr, api
}

// startLoadgen runs "faascope loadgen" with args against grpcAddr in the
// background. done yields "" on success, else loadgen's error output.
func startLoadgen(t *testing.T, grpcAddr string, args ...string) (truthFile string, done <-chan string) {
	truthFile = filepath.Join(t.TempDir(), "truth.json")
	ch := make(chan string, 1)
	go func() {
		var out, errOut bytes.Buffer
		all := append([]string{"loadgen", "--endpoint", grpcAddr, "--truth", truthFile, "--quiet"}, args...)
		if code := run(context.Background(), all, nil, &out, &errOut); code != 0 {
			ch <- errOut.String()
			return
		}
		ch <- ""
	}()
	return truthFile, ch
}

// TestKillNineLosesNothing kills faascope with SIGKILL while a retrying
// exporter (loadgen) sends, restarts it on the same data directory, and
// checks that every span is stored exactly once.
func TestKillNineLosesNothing(t *testing.T) {
	db := chtest.NewDatabase(t)
	args, grpcAddr, api := serveArgs(t, chtest.Addr(), db.Database)
	var logs bytes.Buffer
	first := startChildEnv(t, args, &logs)
	waitReady(t, api, &logs)

	truthFile, loadgenDone := startLoadgen(t, grpcAddr, "--backfill", "2d", "--end", "2026-11-20T12:00:00Z",
		"--seed", "9", "--batch", "50", "--concurrency", "2")
	waitMetric(t, api, "faascope_queue_appended_records_total", 2000, &logs) // mid-load
	select {
	case msg := <-loadgenDone:
		t.Fatalf("the load ended before the kill (%q): make it longer", msg)
	default:
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	time.Sleep(300 * time.Millisecond) // exporters see the outage and back off
	second := startChildEnv(t, args, &logs)
	t.Cleanup(func() { _ = second.Process.Signal(syscall.SIGTERM); _ = second.Wait() })
	waitReady(t, api, &logs)

	if msg := <-loadgenDone; msg != "" {
		t.Fatalf("loadgen failed: %s\nserve: %s", msg, logs.String())
	}
	assertAPIMatchesTruth(t, api, readTruth(t, truthFile))
}

// metricValue reads one unlabelled sample from /metrics (-1 when absent).
func metricValue(t *testing.T, api, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + api + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return -1
}

// waitMetric waits until metric name reaches at least min.
func waitMetric(t *testing.T, api, name string, min float64, logs *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for metricValue(t, api, name) < min {
		if time.Now().After(deadline) {
			t.Fatalf("%s stayed below %.0f for 60s: %s", name, min, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestClickHouseOutageLosesNothing cuts faascope's line to ClickHouse while
// loadgen sends at a steady rate, restores it, and checks that after the
// queue drains the function list equals the truth.
func TestClickHouseOutageLosesNothing(t *testing.T) {
	var logs bytes.Buffer
	proxy, grpcAddr, api := startProxiedServe(t, &logs)

	// loadgen sends in real time at a steady rate; the line to ClickHouse
	// is cut in the middle (3 s, or FAASCOPE_TEST_OUTAGE, e.g. 60s).
	outage := 3 * time.Second
	if v := os.Getenv("FAASCOPE_TEST_OUTAGE"); v != "" {
		var err error
		if outage, err = time.ParseDuration(v); err != nil {
			t.Fatal(err)
		}
	}
	truthFile, done := startLoadgen(t, grpcAddr, "--duration", (outage + 3*time.Second).String(),
		"--rate", "300", "--seed", "5")
	time.Sleep(1500 * time.Millisecond)
	proxy.SetDown(true)
	time.Sleep(outage / 2)
	if got := metricValue(t, api, "faascope_clickhouse_up"); got != 0 {
		t.Errorf("faascope_clickhouse_up = %v during the outage", got)
	}
	time.Sleep(outage - outage/2)
	proxy.SetDown(false)
	if msg := <-done; msg != "" {
		t.Fatalf("loadgen: %s", msg)
	}
	assertAPIMatchesTruth(t, api, readTruth(t, truthFile))
}

// TestFullQueueBacksOffAndLosesNothing gives faascope a small queue and no
// ClickHouse: the exporter is refused with the retryable answer when the
// queue is full, keeps retrying, and once ClickHouse is back every span is
// stored exactly once.
func TestFullQueueBacksOffAndLosesNothing(t *testing.T) {
	var logs bytes.Buffer
	proxy, grpcAddr, api := startProxiedServe(t, &logs,
		"FAASCOPE_COLLECTOR_QUEUE_SEGMENT_BYTES=2097152", "FAASCOPE_COLLECTOR_QUEUE_MAX_BYTES=4194304")
	proxy.SetDown(true)

	truthFile, done := startLoadgen(t, grpcAddr, "--backfill", "3d", "--end", "2026-11-20T12:00:00Z", "--seed", "11")
	// ~125,000 invocations need more than 4 MiB of queue: wait for refusals.
	waitMetric(t, api, "faascope_queue_refused_records_total", 1, &logs)
	proxy.SetDown(false)
	if msg := <-done; msg != "" {
		t.Fatalf("loadgen gave up: %s", msg)
	}
	assertAPIMatchesTruth(t, api, readTruth(t, truthFile))
}
