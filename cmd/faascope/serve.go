package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/collector"
	"github.com/faascope/faascope/collector/queue"
	"github.com/faascope/faascope/dashboard"
	"github.com/faascope/faascope/internal/auth"
	"github.com/faascope/faascope/schemas"
)

// shutdownTimeout bounds a graceful stop: drain requests, ship the queue.
const shutdownTimeout = 30 * time.Second

// component is anything serve starts and must stop.
type component interface {
	Shutdown(ctx context.Context) error
}

func runServe(ctx context.Context, args, environ []string, stderr io.Writer) error {
	cfg, err := newFlagSet("serve", stderr, true).load(args, environ)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.Log, stderr)
	logger.Info("starting faascope", "version", version)

	st, err := openStorage(ctx, cfg.ClickHouse, cfg.ClickHouse.Migrate, logger)
	if err != nil {
		return err
	}
	defer st.close(logger)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	authn, err := auth.New(cfg.Auth)
	if err != nil {
		return err
	}
	if !authn.Enabled() {
		logger.Info("authentication is off: no auth.tokens configured")
	}
	receiverTLS, err := cfg.Collector.TLS.ServerConfig()
	if err != nil {
		return fmt.Errorf("collector.tls: %w", err)
	}
	set := collector.Settings{Logger: logger, Registerer: reg, Auth: authn, TLS: receiverTLS}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "faascope_clickhouse_up", Help: "1 when ClickHouse answers a ping (checked at each scrape), else 0.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if st.client.Ping(ctx) != nil {
			return 0
		}
		return 1
	}))

	started, err := startRoles(ctx, cfg, st, reg, set)
	defer shutdown(logger, started)
	if err != nil {
		return err
	}
	logger.Info("faascope is ready", "roles", cfg.Roles,
		"otlp_grpc", cfg.Collector.GRPCAddr, "otlp_http", cfg.Collector.HTTPAddr, "api", cfg.API.Addr)

	select {
	case <-ctx.Done():
		logger.Info("shutting down")
		return nil
	case <-st.crashed():
		return fmt.Errorf("managed ClickHouse exited unexpectedly: %w", st.local.Err())
	}
}

// shutdownFunc adapts a stop function to component.
type shutdownFunc func(ctx context.Context) error

func (f shutdownFunc) Shutdown(ctx context.Context) error { return f(ctx) }

// startRoles starts what cfg.Roles asks for. It returns what it started, in
// start order, even on error, so the caller can stop them in reverse: intake
// (API, scheduler, receivers) stops before the queue is shipped and closed.
func startRoles(ctx context.Context, cfg Config, st *storage, reg *prometheus.Registry, set collector.Settings) ([]component, error) {
	var started []component
	if cfg.Debug.PprofAddr != "" {
		p, err := startPprof(cfg.Debug.PprofAddr, set.Logger)
		if err != nil {
			return started, err
		}
		started = append(started, p)
	}
	if cfg.hasRole(roleCollector) {
		cs, err := startCollector(cfg, st, reg, set)
		started = append(started, cs...)
		if err != nil {
			return started, err
		}
	}
	reader, err := newReader(cfg, st)
	if err != nil {
		return started, err
	}
	deps := dashboard.Deps{Analyzer: reader, Ready: st.client.Ping, Gatherer: reg, Logger: set.Logger, Auth: set.Auth,
		Reports: analyzer.NewReports(reader, cfg.Billing.PricesFile)}
	if deps.Alerts, err = newAlertService(cfg.Alerts, reader, set.Logger); err != nil {
		return started, err
	}
	if cfg.hasRole(roleScheduler) {
		sched, err := startScheduler(ctx, cfg, reader, st, reg, set.Logger)
		if err != nil {
			return started, err
		}
		started = append(started, sched)
		deps.Scheduler = sched
	}
	if cfg.hasRole(roleAPI) {
		api, err := startAPI(cfg, deps)
		if err != nil {
			return started, err
		}
		started = append(started, api)
	}
	return started, nil
}

// startCollector opens the durable queue, starts its shipper and the OTLP
// receivers. Exports are acknowledged once on disk in the queue; the shipper
// takes them to ClickHouse, and after a crash the queue replays what it had not.
func startCollector(cfg Config, st *storage, reg *prometheus.Registry, set collector.Settings) ([]component, error) {
	q, err := queue.Open(filepath.Join(cfg.DataDir, "queue"), cfg.Collector.Queue,
		queue.Settings{Logger: set.Logger.With("component", "queue"), Registerer: reg})
	if err != nil {
		return nil, fmt.Errorf("cannot open the durable queue: %w", err)
	}
	shipper := collector.NewShipper(q, st.client.Conn, cfg.Collector.Writer, set)
	shipper.Start()
	// Stopped after the receivers: what is queued ships while time allows;
	// what is left stays on disk and ships at the next start.
	started := []component{shutdownFunc(func(context.Context) error { return q.Close() }), shutdownFunc(shipper.Close)}
	norm := collector.NewNormalizer(collector.NormalizerOptions{
		Tenant: schemas.DefaultTenant, MaxAttrs: cfg.Collector.MaxAttrs, MaxAttrValueLen: cfg.Collector.MaxAttrValueLen,
	})
	ingester := collector.NewIngester(norm, collector.QueueWriter{Q: q}, cfg.Collector.Limits, set)
	for _, r := range []interface {
		component
		Start() error
	}{
		collector.NewGRPCReceiver(cfg.Collector.GRPCAddr, cfg.Collector.Limits, ingester, set),
		collector.NewHTTPReceiver(cfg.Collector.HTTPAddr, cfg.Collector.Limits, ingester, set),
	} {
		if err := r.Start(); err != nil {
			return started, err
		}
		started = append(started, r)
	}
	return started, nil
}

// newReader is the analyzer on st with the configured prices; a bad
// prices file stops serve before anything listens.
func newReader(cfg Config, st *storage) (*analyzer.Reader, error) {
	prices, err := cfg.Billing.Catalog()
	if err != nil {
		return nil, err
	}
	reader := analyzer.NewReader(st.client.Conn, cfg.ClickHouse.QueryTimeout)
	reader.SetPrices(prices, cfg.Billing.Policy())
	return reader, nil
}

// startAPI serves the API, /metrics and health checks.
func startAPI(cfg Config, deps dashboard.Deps) (*dashboard.Server, error) {
	api := dashboard.New(cfg.API, deps)
	return api, api.Start()
}

// shutdown stops what started, last started first, within shutdownTimeout.
func shutdown(logger *slog.Logger, started []component) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	var errs []error
	for i := len(started) - 1; i >= 0; i-- {
		errs = append(errs, started[i].Shutdown(ctx))
	}
	if err := errors.Join(errs...); err != nil {
		logger.Warn("shutdown was not clean", "err", err)
	}
}
