package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"

	"github.com/faascope/faascope/billing"
	"github.com/faascope/faascope/collector"
	"github.com/faascope/faascope/dashboard"
	"github.com/faascope/faascope/internal/auth"
	"github.com/faascope/faascope/internal/chclient"
	"github.com/faascope/faascope/internal/chlocal"
	"github.com/faascope/faascope/internal/config"
	"github.com/faascope/faascope/internal/scheduler"
)

// envPrefix starts every environment variable faascope reads.
const envPrefix = "FAASCOPE"

// Config is the whole configuration file (deploy/config/faascope.yaml).
type Config struct {
	// Roles are what serve runs in this process: collector, api, scheduler.
	Roles []string `yaml:"roles"`
	// DataDir holds faascope's local state, including the managed ClickHouse.
	DataDir    string           `yaml:"data_dir"`
	Log        LogConfig        `yaml:"log"`
	ClickHouse ClickHouseConfig `yaml:"clickhouse"`
	Collector  collector.Config `yaml:"collector"`
	API        dashboard.Config `yaml:"api"`
	Billing    billing.Config   `yaml:"billing"`
	Scheduler  scheduler.Config `yaml:"scheduler"`
	Alerts     AlertsConfig     `yaml:"alerts"`
	Debug      DebugConfig      `yaml:"debug"`
	// Auth holds the bearer tokens; none configured means no authentication
	// and loopback-only listeners.
	Auth auth.Config `yaml:"auth"`
	// Insecure allows listening beyond loopback without tokens (flag only).
	Insecure bool `yaml:"-"`
}

// LogConfig sets the structured logger.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// ClickHouseConfig is the connection plus the managed local server, used
// when Addr is empty.
type ClickHouseConfig struct {
	chclient.Config `yaml:",inline"`
	Local           chlocal.Config `yaml:"local"`
	// Migrate applies pending schema migrations when serve starts.
	Migrate bool `yaml:"migrate"`
}

func defaultConfig() Config {
	local := chlocal.NewDefaultConfig()
	local.DataDir = "" // derived from data_dir unless set
	return Config{
		Roles:      slices.Clone(allRoles),
		DataDir:    "./data",
		Log:        LogConfig{Level: "info", Format: "text"},
		ClickHouse: ClickHouseConfig{Config: chclient.NewDefaultConfig(), Local: local, Migrate: true},
		Collector:  collector.NewDefaultConfig(),
		API:        dashboard.NewDefaultConfig(),
		Billing:    billing.NewDefaultConfig(),
		Scheduler:  scheduler.NewDefaultConfig(),
	}
}

// The roles of serve. The scheduler role must run in exactly one process:
// every process that has it runs every job.
const (
	roleCollector = "collector" // OTLP receivers, the durable queue and its shipper
	roleAPI       = "api"       // the HTTP API, /metrics and health checks
	roleScheduler = "scheduler" // periodic jobs (internal/scheduler)
)

var allRoles = []string{roleCollector, roleAPI, roleScheduler}

// hasRole reports whether serve runs role in this process.
func (c *Config) hasRole(role string) bool { return slices.Contains(c.Roles, role) }

func validateRoles(roles []string) error {
	if len(roles) == 0 {
		return fmt.Errorf("roles: must name at least one of %s", strings.Join(allRoles, ", "))
	}
	var errs []error
	for i, r := range roles {
		if !slices.Contains(allRoles, r) || slices.Index(roles, r) != i {
			errs = append(errs, fmt.Errorf("roles[%d]: must be a distinct one of %s, got %q", i, strings.Join(allRoles, ", "), r))
		}
	}
	return errors.Join(errs...)
}

// Validate reports every problem of every section at once.
func (c *Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("data_dir: must not be empty"))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level: must be debug, info, warn or error, got %q", c.Log.Level))
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		errs = append(errs, fmt.Errorf("log.format: must be text or json, got %q", c.Log.Format))
	}
	errs = append(errs, validateRoles(c.Roles), c.ClickHouse.Config.Validate(), c.Collector.Validate(), c.API.Validate(),
		c.Scheduler.Validate(), c.Debug.validate(), c.Auth.Validate(), c.Alerts.Validate())
	for key, addr := range map[string]string{
		"collector.grpc_addr": c.Collector.GRPCAddr, "collector.http_addr": c.Collector.HTTPAddr, "api.addr": c.API.Addr,
	} {
		errs = append(errs, auth.CheckListenAddr(key, addr, c.Auth.Enabled(), c.Insecure))
	}
	if c.ClickHouse.Addr == "" {
		errs = append(errs, c.ClickHouse.Local.Validate())
	}
	return errors.Join(errs...)
}

// flagSet declares the flags shared by serve and migrate; they override the
// file and the environment.
type flagSet struct {
	fs         *flag.FlagSet
	configPath string
	overrides  map[string]*string
	noMigrate  bool
	insecure   bool
	roles      string
}

func newFlagSet(name string, stderr io.Writer, withServe bool) *flagSet {
	f := &flagSet{fs: flag.NewFlagSet(name, flag.ContinueOnError), overrides: map[string]*string{}}
	f.fs.SetOutput(stderr)
	f.fs.StringVar(&f.configPath, "config", "", "YAML config file (every key: deploy/config/faascope.yaml)")
	str := func(flagName, help string) { f.overrides[flagName] = f.fs.String(flagName, "", help) }
	str("data-dir", "data directory (default ./data)")
	str("clickhouse-addr", "external ClickHouse native address host:port (default: start a managed local server)")
	str("clickhouse-database", "ClickHouse database (default faascope)")
	str("clickhouse-user", "ClickHouse user (default default)")
	str("clickhouse-password", "ClickHouse password")
	str("log-level", "debug, info, warn or error")
	if withServe {
		str("otlp-grpc-addr", "OTLP gRPC listen address (default 127.0.0.1:4317)")
		str("otlp-http-addr", "OTLP HTTP listen address (default 127.0.0.1:4318)")
		str("api-addr", "API listen address (default 127.0.0.1:8080)")
		f.fs.BoolVar(&f.noMigrate, "no-migrate", false, "do not apply schema migrations on start")
		f.fs.BoolVar(&f.insecure, "insecure", false, "allow listening beyond loopback without auth tokens")
		f.fs.StringVar(&f.roles, "roles", "", "what this process runs, comma separated: collector,api,scheduler (default all;\n"+
			"run the scheduler role in exactly one process)")
	}
	return f
}

// load builds the configuration: defaults, then the file, then FAASCOPE_*
// variables, then flags; and validates the result.
func (f *flagSet) load(args, environ []string) (Config, error) {
	if err := f.fs.Parse(args); err != nil {
		return Config{}, err
	}
	cfg := defaultConfig()
	if f.configPath == "" {
		f.configPath = lookupEnv(environ, envPrefix+"_CONFIG")
	}
	if f.configPath != "" {
		if err := config.LoadFile(f.configPath, &cfg); err != nil {
			return Config{}, err
		}
	}
	if err := config.ApplyEnv(envPrefix, &cfg, environ); err != nil {
		return Config{}, fmt.Errorf("invalid environment:\n%w", err)
	}
	f.applyFlags(&cfg)
	if cfg.ClickHouse.Local.DataDir == "" {
		cfg.ClickHouse.Local.DataDir = filepath.Join(cfg.DataDir, "clickhouse")
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, nil
}

func (f *flagSet) applyFlags(cfg *Config) {
	targets := map[string]*string{
		"data-dir": &cfg.DataDir, "clickhouse-addr": &cfg.ClickHouse.Addr,
		"clickhouse-database": &cfg.ClickHouse.Database, "clickhouse-user": &cfg.ClickHouse.Username,
		"clickhouse-password": &cfg.ClickHouse.Password, "log-level": &cfg.Log.Level,
		"otlp-grpc-addr": &cfg.Collector.GRPCAddr, "otlp-http-addr": &cfg.Collector.HTTPAddr,
		"api-addr": &cfg.API.Addr,
	}
	// Only flags given on the command line override: an empty default must
	// not erase a value from the file or the environment.
	f.fs.Visit(func(fl *flag.Flag) {
		if p, ok := f.overrides[fl.Name]; ok {
			*targets[fl.Name] = *p
		}
	})
	if f.noMigrate {
		cfg.ClickHouse.Migrate = false
	}
	if f.roles != "" {
		cfg.Roles = strings.Split(f.roles, ",")
		for i := range cfg.Roles {
			cfg.Roles[i] = strings.TrimSpace(cfg.Roles[i])
		}
	}
	cfg.Insecure = f.insecure
}

func lookupEnv(environ []string, name string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

func newLogger(cfg LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level)) // validated before
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
