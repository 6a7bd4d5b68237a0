package collector

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// writerStats are the writer's self-metrics.
type writerStats struct {
	rows       prometheus.Counter
	duplicates prometheus.Counter
	failures   prometheus.Counter
	batchSize  prometheus.Histogram
	latency    prometheus.Histogram
}

func newWriterStats(reg prometheus.Registerer) *writerStats {
	s := &writerStats{
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "faascope_writer_duplicate_records_total",
			Help: "Records not stored because their span (trace id + span id) was stored already.",
		}),
		rows: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "faascope_writer_committed_records_total",
			Help: "Records committed to ClickHouse.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "faascope_writer_insert_failures_total",
			Help: "Failed insert attempts (each retry counts).",
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "faascope_writer_batch_records",
			Help:    "Records per insert attempt.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 10),
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "faascope_writer_insert_seconds",
			Help:    "Latency of one insert attempt.",
			Buckets: prometheus.DefBuckets,
		}),
	}
	reg.MustRegister(s.rows, s.duplicates, s.failures, s.batchSize, s.latency)
	return s
}

func (s *writerStats) observe(rows int, took time.Duration, err error) {
	s.batchSize.Observe(float64(rows))
	s.latency.Observe(took.Seconds())
	if err != nil {
		s.failures.Inc()
		return
	}
	s.rows.Add(float64(rows))
}

// receiverStats count spans by protocol and fate.
type receiverStats struct {
	spans     *prometheus.CounterVec
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	truncated prometheus.Counter
}

func newReceiverStats(reg prometheus.Registerer) *receiverStats {
	s := &receiverStats{
		spans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faascope_receiver_spans_total",
			Help: "Spans received, by protocol, result (accepted, rejected, dropped, refused) and reason.",
		}, []string{"protocol", "result", "reason"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faascope_receiver_requests_total",
			Help: "OTLP export requests, by protocol and answer code.",
		}, []string{"protocol", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "faascope_receiver_request_seconds",
			Help:    "OTLP export request latency, by protocol.",
			Buckets: prometheus.DefBuckets,
		}, []string{"protocol"}),
	}
	s.truncated = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "faascope_receiver_truncated_attributes_total",
		Help: "Extra attribute keys and values cut to collector.max_attr_value_len.",
	})
	reg.MustRegister(s.spans, s.requests, s.latency, s.truncated)
	return s
}
