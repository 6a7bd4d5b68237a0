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

	// Exports are acknowledged once on disk in the queue; the shipper takes
	// them to ClickHouse, and after a crash the queue replays what it had not.
	q, err := queue.Open(filepath.Join(cfg.DataDir, "queue"), cfg.Collector.Queue,
		queue.Settings{Logger: logger.With("component", "queue"), Registerer: reg})
	if err != nil {
		return fmt.Errorf("cannot open the durable queue: %w", err)
	}
	shipper := collector.NewShipper(q, st.client.Conn, cfg.Collector.Writer, set)
	shipper.Start()
	stopped, err := startServers(cfg, st, collector.QueueWriter{Q: q}, reg, set)
	defer shutdown(logger, q, shipper, stopped)
	if err != nil {
		return err
	}
	logger.Info("faascope is ready",
		"otlp_grpc", cfg.Collector.GRPCAddr, "otlp_http", cfg.Collector.HTTPAddr, "api", cfg.API.Addr)

	select {
	case <-ctx.Done():
		logger.Info("shutting down")
		return nil
	case <-st.crashed():
		return fmt.Errorf("managed ClickHouse exited unexpectedly: %w", st.local.Err())
	}
}

// startServers starts the receivers and the API. It returns what it started,
// in start order, even on error, so the caller can stop them.
func startServers(cfg Config, st *storage, writer collector.RecordWriter, reg *prometheus.Registry, set collector.Settings) ([]component, error) {
	norm := collector.NewNormalizer(collector.NormalizerOptions{
		Tenant: schemas.DefaultTenant, MaxAttrs: cfg.Collector.MaxAttrs, MaxAttrValueLen: cfg.Collector.MaxAttrValueLen,
	})
	ingester := collector.NewIngester(norm, writer, cfg.Collector.Limits, set)
	grpcRecv := collector.NewGRPCReceiver(cfg.Collector.GRPCAddr, cfg.Collector.Limits, ingester, set)
	httpRecv := collector.NewHTTPReceiver(cfg.Collector.HTTPAddr, cfg.Collector.Limits, ingester, set)
	prices, err := cfg.Billing.Catalog()
	if err != nil {
		return nil, err
	}
	reader := analyzer.NewReader(st.client.Conn, cfg.ClickHouse.QueryTimeout)
	reader.SetPrices(prices, cfg.Billing.Policy())
	api := dashboard.New(cfg.API, dashboard.Deps{
		Analyzer: reader,
		Ready:    st.client.Ping,
		Gatherer: reg,
		Logger:   set.Logger,
		Auth:     set.Auth,
	})
	var started []component
	if cfg.Debug.PprofAddr != "" {
		p, err := startPprof(cfg.Debug.PprofAddr, set.Logger)
		if err != nil {
			return started, err
		}
		started = append(started, p)
	}
	for _, c := range []interface {
		component
		Start() error
	}{grpcRecv, httpRecv, api} {
		if err := c.Start(); err != nil {
			return started, err
		}
		started = append(started, c)
	}
	return started, nil
}

// shutdown stops intake first (receivers, API), then ships what is queued
// to ClickHouse while time allows; what is left stays in the queue on disk
// and ships at the next start.
func shutdown(logger *slog.Logger, q *queue.Queue, shipper *collector.Shipper, started []component) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	var errs []error
	for i := len(started) - 1; i >= 0; i-- {
		errs = append(errs, started[i].Shutdown(ctx))
	}
	errs = append(errs, shipper.Close(ctx), q.Close())
	if err := errors.Join(errs...); err != nil {
		logger.Warn("shutdown was not clean", "err", err)
	}
}
