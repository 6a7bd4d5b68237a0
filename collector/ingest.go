package collector

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faascope/faascope/internal/auth"
)

// Ingester is what both receivers call: normalize one export request and
// write its records. It holds no per-request state and is safe for concurrent use.
type Ingester struct {
	auth    *auth.Authenticator // nil: authentication off
	norm    *Normalizer
	writer  RecordWriter
	stats   *receiverStats
	timeout time.Duration
	limits  LimitsConfig
	slots   chan struct{} // one per export being processed
}

// NewIngester wires a normalizer to a writer under the request limits.
func NewIngester(norm *Normalizer, w RecordWriter, limits LimitsConfig, set Settings) *Ingester {
	return &Ingester{
		auth: set.Auth, norm: norm, writer: w, stats: newReceiverStats(set.registerer()),
		timeout: limits.RequestTimeout, limits: limits, slots: make(chan struct{}, max(limits.MaxConcurrentRequests, 1)),
	}
}

// errTooManySpans refuses an export larger than MaxSpansPerRequest; a retry
// of the same request cannot succeed.
var errTooManySpans = errors.New("too many spans in one request")

// saturated reports whether an export would be refused right now: every
// processing slot is taken, or the heap is over its bound.
func (in *Ingester) saturated() bool {
	return len(in.slots) == cap(in.slots) || in.heapFull()
}

// heapFull reads the live heap (runtime/metrics, no stop-the-world).
func (in *Ingester) heapFull() bool {
	if in.limits.MaxHeapBytes <= 0 {
		return false
	}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > uint64(in.limits.MaxHeapBytes)
}

// acquire takes a processing slot, or refuses at once with ErrBusy so the
// exporter backs off: waiting would hold the request's memory anyway.
func (in *Ingester) acquire() (release func(), err error) {
	if in.heapFull() {
		return nil, fmt.Errorf("heap over limits.max_heap_bytes (%d): %w", in.limits.MaxHeapBytes, ErrBusy)
	}
	select {
	case in.slots <- struct{}{}:
		return func() { <-in.slots }, nil
	default:
		return nil, fmt.Errorf("%d exports in progress: %w", cap(in.slots), ErrBusy)
	}
}

// Authorize checks an export's Authorization header (an "ingest" token when
// tokens are configured) and returns the tenant its records belong to.
// Errors wrap auth.ErrUnauthenticated or auth.ErrForbidden.
func (in *Ingester) Authorize(authorization string) (string, error) {
	p, err := in.auth.Authenticate(authorization, auth.ScopeIngest)
	if err != nil {
		return "", err
	}
	return p.Tenant, nil
}

// IngestResult is what an export request gets back on success.
type IngestResult struct {
	Accepted int
	Rejected int    // spans refused as bad input; reported as OTLP partial success
	Message  string // why, when Rejected > 0
	Dropped  int    // valid spans that are not FaaS invocations: counted, not stored
}

// errRetryable marks errors the exporter should retry after a while.
func isRetryable(err error) bool {
	return errors.Is(err, ErrBusy) || errors.Is(err, ErrUnavailable) ||
		errors.Is(err, context.DeadlineExceeded)
}

// Ingest normalizes td and waits until its records are committed. It returns
// an error only when nothing of the request was acknowledged; the caller maps
// it to the protocol's answer (retryable or not, see isRetryable).
// tenant, from Authorize, is the tenant of every record.
func (in *Ingester) Ingest(ctx context.Context, protocol, tenant string, td ptrace.Traces) (IngestResult, error) {
	began := time.Now()
	defer func() { in.stats.latency.WithLabelValues(protocol).Observe(time.Since(began).Seconds()) }()
	spans := in.stats.spans
	if n := td.SpanCount(); n > in.limits.MaxSpansPerRequest {
		spans.WithLabelValues(protocol, "rejected", "too_many_spans").Add(float64(n))
		return IngestResult{}, fmt.Errorf("%w: %d spans, at most %d; send smaller batches", errTooManySpans, n, in.limits.MaxSpansPerRequest)
	}
	res := in.norm.NormalizeFor(td, tenant)
	for kind, c := range res.RejectedBy {
		if c > 0 {
			spans.WithLabelValues(protocol, "rejected", RejectReasonNames[kind]).Add(float64(c))
		}
	}
	spans.WithLabelValues(protocol, "dropped", "not_faas").Add(float64(res.Dropped))
	in.stats.truncated.Add(float64(res.Truncated))
	accepted := td.SpanCount() - res.Rejected - res.Dropped

	ctx, cancel := context.WithTimeout(ctx, in.timeout)
	defer cancel()
	if err := in.writer.Write(ctx, res.Records); err != nil {
		spans.WithLabelValues(protocol, "refused", refusalReason(err)).Add(float64(accepted))
		return IngestResult{}, fmt.Errorf("cannot store %d records: %w", len(res.Records), err)
	}
	spans.WithLabelValues(protocol, "accepted", "").Add(float64(accepted))
	out := IngestResult{Accepted: accepted, Rejected: res.Rejected, Dropped: res.Dropped}
	if res.Rejected > 0 {
		out.Message = fmt.Sprintf("%d spans rejected: %s", res.Rejected, strings.Join(res.RejectReasons, "; "))
	}
	return out, nil
}

// refusalReason labels why accepted spans could not be stored.
func refusalReason(err error) string {
	switch {
	case errors.Is(err, ErrBusy):
		return "busy"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "timeout"
	case errors.Is(err, ErrUnavailable):
		return "unavailable"
	}
	return "error"
}
