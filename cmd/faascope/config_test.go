package main

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/faascope/faascope/internal/config"
)

const exampleConfig = "../../deploy/config/faascope.yaml"

// The example file documents every key with its default: loading it must give
// exactly the defaults, and it must name every key the code knows.
func TestExampleConfigIsTheDefaults(t *testing.T) {
	got := defaultConfig()
	if err := config.LoadFile(exampleConfig, &got); err != nil {
		t.Fatal(err)
	}
	if want := defaultConfig(); !reflect.DeepEqual(got, want) {
		t.Errorf("%s differs from the defaults:\n got %+v\nwant %+v", exampleConfig, got, want)
	}
	text, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range config.EnvNames(envPrefix, &got) {
		leaf := strings.ToLower(env[strings.LastIndex(env, "_")+1:])
		if !strings.Contains(string(text), leaf) {
			t.Errorf("%s does not mention %s (%s)", exampleConfig, leaf, env)
		}
	}
}

func TestPrecedenceFlagsOverEnvOverFile(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/c.yaml"
	os.WriteFile(file, []byte("api:\n  addr: 127.0.0.1:1111\ncollector:\n  grpc_addr: 127.0.0.1:2222\n  http_addr: 127.0.0.1:3333\n"), 0o600)
	cfg, err := newFlagSet("serve", io.Discard, true).load(
		[]string{"--config", file, "--api-addr", "127.0.0.1:9999"},
		[]string{"FAASCOPE_API_ADDR=127.0.0.1:8888", "FAASCOPE_COLLECTOR_GRPC_ADDR=127.0.0.1:7777"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.Addr != "127.0.0.1:9999" || cfg.Collector.GRPCAddr != "127.0.0.1:7777" || cfg.Collector.HTTPAddr != "127.0.0.1:3333" {
		t.Errorf("precedence broken: api %s grpc %s http %s", cfg.API.Addr, cfg.Collector.GRPCAddr, cfg.Collector.HTTPAddr)
	}
	if cfg.ClickHouse.Local.DataDir != "data/clickhouse" {
		t.Errorf("managed ClickHouse dir = %q, want it under data_dir", cfg.ClickHouse.Local.DataDir)
	}
}

func TestValidationReportsEveryProblemWithItsKey(t *testing.T) {
	_, err := newFlagSet("serve", io.Discard, true).load([]string{"--api-addr", "nonsense"}, []string{
		"FAASCOPE_LOG_LEVEL=loud", "FAASCOPE_COLLECTOR_WRITER_BATCH_SIZE=0", "FAASCOPE_CLICKHOUSE_DATABASE=bad-name",
	})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, key := range []string{"api.addr", "log.level", "collector.writer.batch_size", "clickhouse.database"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s:\n%v", key, err)
		}
	}
}

func TestUnknownCommandAndVersion(t *testing.T) {
	var out, errOut strings.Builder
	if code := run(t.Context(), []string{"frobnicate"}, nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "unknown command") {
		t.Errorf("unknown command: code %d, stderr %q", code, errOut.String())
	}
	if code := run(t.Context(), []string{"version"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "faascope") {
		t.Errorf("version: code %d, stdout %q", code, out.String())
	}
}

// Without tokens faascope listens on loopback only; anything else needs
// tokens or an explicit --insecure.
func TestListeningBeyondLoopbackNeedsTokensOrInsecure(t *testing.T) {
	args := []string{"--otlp-grpc-addr", "0.0.0.0:4317", "--api-addr", "127.0.0.1:8080"}
	_, err := newFlagSet("serve", io.Discard, true).load(args, nil)
	if err == nil || !strings.Contains(err.Error(), "collector.grpc_addr") || !strings.Contains(err.Error(), "--insecure") {
		t.Fatalf("0.0.0.0 without tokens: %v", err)
	}
	if _, err := newFlagSet("serve", io.Discard, true).load(append(args, "--insecure"), nil); err != nil {
		t.Errorf("with --insecure: %v", err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "auth.yaml")
	os.WriteFile(file, []byte("auth:\n  tokens:\n    - {name: ci, token: ci-token-0123456789abcdef, scopes: [ingest], tenant: acme}\n"), 0o600)
	if _, err := newFlagSet("serve", io.Discard, true).load(append(args, "--config", file), nil); err != nil {
		t.Errorf("with tokens: %v", err)
	}
}

func TestRoles(t *testing.T) {
	cfg, err := newFlagSet("serve", io.Discard, true).load([]string{"--roles", "collector, api"}, []string{"FAASCOPE_ROLES=scheduler"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Roles, []string{"collector", "api"}) || cfg.hasRole(roleScheduler) {
		t.Errorf("--roles must override the environment: %v", cfg.Roles)
	}
	cfg, err = newFlagSet("serve", io.Discard, true).load(nil, []string{"FAASCOPE_ROLES=scheduler"})
	if err != nil || !reflect.DeepEqual(cfg.Roles, []string{"scheduler"}) {
		t.Errorf("FAASCOPE_ROLES: %v %v", cfg.Roles, err)
	}
	_, err = newFlagSet("serve", io.Discard, true).load([]string{"--roles", "api,collecter,api"}, nil)
	for _, want := range []string{`roles[1]: must be a distinct one of collector, api, scheduler, got "collecter"`, `roles[2]`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

func TestSchedulerConfigIsValidatedWithItsKey(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	os.WriteFile(file, []byte("scheduler:\n  jobs:\n    keepwarm:\n      schedule: every hour\n      timeout: -1m\n"), 0o600)
	_, err := newFlagSet("serve", io.Discard, true).load([]string{"--config", file}, nil)
	for _, key := range []string{"scheduler.jobs.keepwarm.schedule", "scheduler.jobs.keepwarm.timeout"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s:\n%v", key, err)
		}
	}
}
