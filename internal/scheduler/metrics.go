package scheduler

import "github.com/prometheus/client_golang/prometheus"

// metrics are the scheduler's self-metrics on /metrics.
type metrics struct {
	runs         *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	lastSuccess  *prometheus.GaugeVec
	running      *prometheus.GaugeVec
	recordErrors prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faascope_job_runs_total",
			Help: "Scheduled job runs by job and status (ok, error, timeout, panic, canceled, skipped).",
		}, []string{"job", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "faascope_job_duration_seconds",
			Help: "Duration of job runs that ran (skipped ticks are not observed).",
			// Jobs take from milliseconds (an idle alert check) to many
			// minutes (a month's report): 10ms to about 3h.
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}, []string{"job"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "faascope_job_last_success_timestamp_seconds",
			Help: "Unix time the job last finished with status ok (restored from ClickHouse at start).",
		}, []string{"job"}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "faascope_job_running",
			Help: "1 while a run of the job is in progress, else 0.",
		}, []string{"job"}),
		recordErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "faascope_job_record_errors_total",
			Help: "Job runs that could not be written to ClickHouse (the run itself is unaffected).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.runs, m.duration, m.lastSuccess, m.running, m.recordErrors)
	}
	return m
}

// register makes the job's series visible before its first run, so an
// alert on "never succeeded" or "stuck running" has something to read.
func (m *metrics) register(job string) {
	m.running.WithLabelValues(job).Set(0)
	m.duration.WithLabelValues(job)
	for _, st := range []Status{StatusOK, StatusError} {
		m.runs.WithLabelValues(job, string(st))
	}
}

// observe counts a finished or skipped run.
func (m *metrics) observe(r Run) {
	m.runs.WithLabelValues(r.Job, string(r.Status)).Inc()
	if r.Status == StatusSkipped {
		return
	}
	m.duration.WithLabelValues(r.Job).Observe(r.Finished.Sub(r.Started).Seconds())
	if r.Status == StatusOK {
		m.lastSuccess.WithLabelValues(r.Job).Set(float64(r.Finished.UnixNano()) / 1e9)
	}
}
