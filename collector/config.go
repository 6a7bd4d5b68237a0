package collector

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/collector/queue"
	"github.com/faascope/faascope/internal/auth"
)

// Config is the user configuration of the OTLP receivers and the writer
// (YAML key "collector").
type Config struct {
	GRPCAddr string       `yaml:"grpc_addr"`
	HTTPAddr string       `yaml:"http_addr"`
	Limits   LimitsConfig `yaml:"limits"`
	Writer   WriterConfig `yaml:"writer"`
	// Queue is the durable queue between the receivers and ClickHouse; its
	// files live in <data_dir>/queue.
	Queue queue.Config `yaml:"queue"`
	// TLS, when both files are set, serves both OTLP receivers over TLS.
	TLS auth.TLSConfig `yaml:"tls"`
	// MaxAttrs and MaxAttrValueLen bound the extra attributes kept per record.
	MaxAttrs        int `yaml:"max_attrs"`
	MaxAttrValueLen int `yaml:"max_attr_value_len"`
}

// LimitsConfig bounds what one OTLP request may cost.
type LimitsConfig struct {
	// MaxRequestBytes bounds the body as received (compressed or not).
	MaxRequestBytes int64 `yaml:"max_request_bytes"`
	// MaxDecompressedBytes bounds the body after gzip: a gzip bomb stops here.
	MaxDecompressedBytes int64 `yaml:"max_decompressed_bytes"`
	// RequestTimeout bounds how long one request may take, queue fsync included.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// MaxSpansPerRequest refuses larger exports (HTTP 413, gRPC
	// INVALID_ARGUMENT): the sender should batch smaller.
	MaxSpansPerRequest int `yaml:"max_spans_per_request"`
	// MaxConcurrentRequests bounds exports being processed at once, so memory
	// stays bounded whatever the offered rate; past it exports get the
	// retryable 429 / RESOURCE_EXHAUSTED.
	MaxConcurrentRequests int `yaml:"max_concurrent_requests"`
	// MaxHeapBytes: while the Go heap holds more, new exports are refused
	// with the retryable 429 / RESOURCE_EXHAUSTED until it shrinks. 0: no check.
	MaxHeapBytes int64 `yaml:"max_heap_bytes"`
}

// WriterConfig sets batching and retry of the inserts that ship the queue to
// ClickHouse. Inserts are retried until they succeed: the records are safe
// on disk meanwhile.
type WriterConfig struct {
	BatchSize           int           `yaml:"batch_size"`
	FlushInterval       time.Duration `yaml:"flush_interval"`
	RetryInitialBackoff time.Duration `yaml:"retry_initial_backoff"`
	RetryMaxBackoff     time.Duration `yaml:"retry_max_backoff"`
	// DedupWindow is how many recently shipped spans are remembered to drop
	// a span delivered again; memory is 32 bytes per span.
	DedupWindow int `yaml:"dedup_window"`
}

// NewDefaultConfig returns the defaults: the OTLP ports on loopback, 4 MiB
// requests (the gRPC default message size) inflating to at most 64 MiB, a
// 1 GiB durable queue, and inserts of up to 10,000 rows at most every 200 ms
// (five inserts a second stay well within what ClickHouse merges comfortably).
func NewDefaultConfig() Config {
	return Config{
		GRPCAddr: "127.0.0.1:4317",
		HTTPAddr: "127.0.0.1:4318",
		Limits: LimitsConfig{
			MaxRequestBytes:       4 << 20,
			MaxDecompressedBytes:  64 << 20,
			RequestTimeout:        30 * time.Second,
			MaxSpansPerRequest:    100_000,
			MaxConcurrentRequests: 64,
			MaxHeapBytes:          512 << 20,
		},
		Writer: WriterConfig{
			BatchSize:           10_000,
			FlushInterval:       200 * time.Millisecond,
			RetryInitialBackoff: 100 * time.Millisecond,
			RetryMaxBackoff:     5 * time.Second,
			DedupWindow:         1 << 20,
		},
		Queue:           queue.NewDefaultConfig(),
		MaxAttrs:        16,
		MaxAttrValueLen: 256,
	}
}

// Validate reports every problem at once, each with its key under "collector".
func (c Config) Validate() error {
	var errs []error
	bad := func(key, msg string) { errs = append(errs, fmt.Errorf("collector.%s: %s", key, msg)) }
	for key, addr := range map[string]string{"grpc_addr": c.GRPCAddr, "http_addr": c.HTTPAddr} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			bad(key, fmt.Sprintf("must be host:port, got %q", addr))
		}
	}
	if c.Limits.MaxRequestBytes <= 0 {
		bad("limits.max_request_bytes", "must be > 0")
	}
	if c.Limits.MaxDecompressedBytes < c.Limits.MaxRequestBytes {
		bad("limits.max_decompressed_bytes", "must be >= limits.max_request_bytes")
	}
	if c.Limits.RequestTimeout <= 0 {
		bad("limits.request_timeout", "must be > 0")
	}
	if c.Limits.MaxSpansPerRequest <= 0 {
		bad("limits.max_spans_per_request", "must be > 0")
	}
	if c.Limits.MaxConcurrentRequests <= 0 {
		bad("limits.max_concurrent_requests", "must be > 0")
	}
	if c.Limits.MaxHeapBytes < 0 {
		bad("limits.max_heap_bytes", "must be >= 0")
	}
	w := c.Writer
	if w.BatchSize <= 0 {
		bad("writer.batch_size", "must be > 0")
	}
	if w.FlushInterval <= 0 {
		bad("writer.flush_interval", "must be > 0")
	}
	if w.RetryInitialBackoff <= 0 || w.RetryMaxBackoff < w.RetryInitialBackoff {
		bad("writer.retry_initial_backoff", "must be > 0 and <= writer.retry_max_backoff")
	}
	if w.DedupWindow < w.BatchSize {
		bad("writer.dedup_window", "must be >= writer.batch_size")
	}
	if c.MaxAttrs < 0 {
		bad("max_attrs", "must be >= 0")
	}
	if c.MaxAttrValueLen <= 0 {
		bad("max_attr_value_len", "must be > 0")
	}
	errs = append(errs, c.Queue.Validate(), c.TLS.Validate("collector.tls"))
	return errors.Join(errs...)
}

// Settings is code-level wiring, not user configuration.
type Settings struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer // nil: metrics are kept but not exported
	Auth       *auth.Authenticator   // nil: no authentication
	TLS        *tls.Config           // nil: plain text
}

func (s Settings) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s Settings) registerer() prometheus.Registerer {
	if s.Registerer == nil {
		return prometheus.NewRegistry()
	}
	return s.Registerer
}
