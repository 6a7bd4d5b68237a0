package queue

import "github.com/prometheus/client_golang/prometheus"

// stats are the queue's self-metrics.
type stats struct {
	depthRecords prometheus.Gauge
	depthBytes   prometheus.Gauge
	diskBytes    prometheus.Gauge
	segments     prometheus.Gauge
	appended     prometheus.Counter
	refused      prometheus.Counter
	fsyncs       prometheus.Counter
	tornTails    prometheus.Counter
	corrupt      prometheus.Counter
}

func newStats() *stats {
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: "faascope_queue_" + name, Help: help})
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "faascope_queue_" + name, Help: help})
	}
	return &stats{
		depthRecords: gauge("depth_records", "Records stored and not yet committed."),
		depthBytes:   gauge("depth_bytes", "Bytes of records stored and not yet committed, framing included."),
		diskBytes:    gauge("disk_bytes", "Bytes in segment files; bounded by max_bytes."),
		segments:     gauge("segments", "Segment files on disk."),
		appended:     counter("appended_records_total", "Records made durable by Append."),
		refused:      counter("refused_records_total", "Records refused because the queue was full."),
		fsyncs:       counter("fsyncs_total", "fsync calls on segment files; one serves many concurrent appends."),
		tornTails:    counter("torn_tails_total", "Incomplete writes found and truncated at the end of the last segment on open."),
		corrupt: counter("corrupt_records_total",
			"Damaged records found; each one skips the rest of its segment, or only itself when its frame is intact."),
	}
}

func (s *stats) collectors() []prometheus.Collector {
	return []prometheus.Collector{s.depthRecords, s.depthBytes, s.diskBytes, s.segments,
		s.appended, s.refused, s.fsyncs, s.tornTails, s.corrupt}
}

// register adds every metric to reg, or none of them.
func (s *stats) register(reg prometheus.Registerer) error {
	for i, c := range s.collectors() {
		if err := reg.Register(c); err != nil {
			for _, done := range s.collectors()[:i] {
				reg.Unregister(done)
			}
			return err
		}
	}
	return nil
}

func (s *stats) unregister(reg prometheus.Registerer) {
	for _, c := range s.collectors() {
		reg.Unregister(c)
	}
}
