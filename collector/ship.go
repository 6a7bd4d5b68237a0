package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/faascope/faascope/collector/queue"
	"github.com/faascope/faascope/schemas"
)

// RecordWriter stores invocation records. Write returns nil only once every
// record passed is durable; it must not keep recs after it returns. An error
// wrapping ErrBusy or ErrUnavailable is retryable: nothing from that call was
// acknowledged and the sender should try again later.
type RecordWriter interface {
	Write(ctx context.Context, recs []schemas.Invocation) error
}

var (
	// ErrBusy: faascope holds as much unshipped data as it may; retry later.
	ErrBusy = errors.New("the durable queue is full")
	// ErrUnavailable: faascope cannot take records now (it is shutting down,
	// or its queue failed); retry later.
	ErrUnavailable = errors.New("ingest unavailable")
)

// QueueWriter acknowledges records once the durable queue has them on disk;
// the Shipper takes them to ClickHouse from there.
type QueueWriter struct{ Q *queue.Queue }

// Write appends recs to the queue and translates its refusals into the
// receivers' retryable errors.
func (w QueueWriter) Write(ctx context.Context, recs []schemas.Invocation) error {
	err := w.Q.Append(ctx, recs)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, queue.ErrFull):
		return fmt.Errorf("%w: %w", ErrBusy, err)
	case errors.Is(err, queue.ErrTooLarge), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// Shipper moves records from the durable queue into ClickHouse, one batch at
// a time in queue order, and commits the queue position only after the
// insert succeeded. A ClickHouse outage only delays it: the records wait on
// disk and inserts are retried with backoff until they succeed.
type Shipper struct {
	q      *queue.Queue
	conn   driver.Conn
	cfg    WriterConfig
	logger *slog.Logger
	stats  *writerStats

	recent *recentSpans
	// afterRestart: the first batch may have been inserted by the previous
	// process, which died before committing the queue; it is checked
	// against ClickHouse before it is inserted again.
	afterRestart bool

	// draining is cancelled by Close: ship what is queued, then stop. It is
	// a child of ctx, which a hard stop cancels.
	draining   context.Context
	startDrain context.CancelFunc
	hard       context.CancelFunc
	ctx        context.Context
	stopped    chan struct{}
}

// NewShipper returns a shipper; Start launches it.
func NewShipper(q *queue.Queue, conn driver.Conn, cfg WriterConfig, set Settings) *Shipper {
	ctx, cancel := context.WithCancel(context.Background())
	draining, startDrain := context.WithCancel(ctx)
	return &Shipper{
		q: q, conn: conn, cfg: cfg, logger: set.logger().With("component", "shipper"),
		stats:  newWriterStats(set.registerer()),
		recent: newRecentSpans(cfg.DedupWindow), afterRestart: true,
		draining: draining, startDrain: startDrain, hard: cancel, ctx: ctx, stopped: make(chan struct{}),
	}
}

// Start launches the shipping loop. It must be called once.
func (s *Shipper) Start() { go s.loop() }

func (s *Shipper) loop() {
	defer close(s.stopped)
	last := time.Time{}
	for {
		b, err := s.gather(last)
		if err != nil {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, queue.ErrClosed) && !errors.Is(err, errDrained) {
				s.logger.Error("cannot read the queue", "err", err)
			}
			return
		}
		last = time.Now()
		recs, err := s.dedupe(b.Records)
		if err != nil {
			return // hard stop: the batch stays queued for the next start
		}
		if err := s.insert(recs); err != nil {
			return
		}
		if err := s.q.Commit(b.End); err != nil {
			// The rows are stored; without the commit they are shipped
			// again after a restart and deduplicated there.
			s.logger.Error("cannot commit the queue position", "err", err)
		}
	}
}

var errDrained = errors.New("queue drained")

// dedupe drops records whose span was shipped already: recently by this
// process, or, for the first batch after a restart, by the previous one.
func (s *Shipper) dedupe(recs []schemas.Invocation) ([]schemas.Invocation, error) {
	if s.afterRestart {
		var err error
		if recs, err = s.dropStored(recs); err != nil {
			return nil, err
		}
		s.afterRestart = false
	}
	recs, dropped := s.recent.dropSeen(recs)
	s.stats.duplicates.Add(float64(dropped))
	return recs, nil
}

// storedChunk bounds the span ids in one lookup query.
const storedChunk = 500

// dropStored removes records already in ClickHouse, retrying the lookup
// until it succeeds or the shipper stops hard.
func (s *Shipper) dropStored(recs []schemas.Invocation) ([]schemas.Invocation, error) {
	var kept []schemas.Invocation
	err := s.retry("look up stored spans", len(recs), func() error {
		var err error
		kept, err = s.filterStored(recs)
		return err
	})
	return kept, err
}

// filterStored returns the records not found in ClickHouse, in one attempt.
func (s *Shipper) filterStored(recs []schemas.Invocation) ([]schemas.Invocation, error) {
	stored := map[[3]string]bool{}
	for i := 0; i < len(recs); i += storedChunk {
		if err := s.lookupStored(recs[i:min(i+storedChunk, len(recs))], stored); err != nil {
			return nil, err
		}
	}
	kept := make([]schemas.Invocation, 0, len(recs))
	for _, r := range recs {
		if stored[[3]string{r.Tenant, r.TraceID, r.SpanID}] {
			s.stats.duplicates.Inc()
			continue
		}
		kept = append(kept, r)
	}
	return kept, nil
}

// lookupStored adds to stored the (tenant, trace id, span id) of recs found
// in ClickHouse. The time range keeps the scan to the partitions involved.
func (s *Shipper) lookupStored(recs []schemas.Invocation, stored map[[3]string]bool) error {
	from, to := recs[0].Start, recs[0].Start
	args := []any{}
	for _, r := range recs {
		from, to = minTime(from, r.Start), maxTime(to, r.Start)
		args = append(args, r.SpanID)
	}
	query := "SELECT tenant, trace_id, span_id FROM invocations WHERE ts >= ? AND ts <= ? AND span_id IN (" +
		strings.TrimSuffix(strings.Repeat("?,", len(recs)), ",") + ")"
	rows, err := s.conn.Query(s.ctx, query, append([]any{from.Truncate(time.Second), to}, args...)...)
	if err != nil {
		return fmt.Errorf("cannot look up stored spans: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k [3]string
		if err := rows.Scan(&k[0], &k[1], &k[2]); err != nil {
			return fmt.Errorf("cannot read stored spans: %w", err)
		}
		stored[k] = true
	}
	return rows.Err()
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// gather takes up to BatchSize records: what is queued now, topped up by
// what arrives until FlushInterval after the previous insert, so a trickle
// of small exports becomes a few inserts a second, not one per export.
func (s *Shipper) gather(last time.Time) (queue.Batch, error) {
	b, err := s.next(s.ctx, s.cfg.BatchSize)
	if err != nil {
		return b, err
	}
	until := last.Add(s.cfg.FlushInterval)
	for len(b.Records) < s.cfg.BatchSize && time.Now().Before(until) {
		ctx, cancel := context.WithDeadline(s.ctx, until)
		more, err := s.q.Next(ctx, s.cfg.BatchSize-len(b.Records))
		cancel()
		if err != nil {
			break // deadline: ship what we have
		}
		b.Records, b.End = append(b.Records, more.Records...), more.End
	}
	return b, nil
}

// next waits for records; once draining, an empty queue ends the loop.
func (s *Shipper) next(ctx context.Context, max int) (queue.Batch, error) {
	if s.draining.Err() == nil {
		b, err := s.q.Next(s.draining, max)
		if !errors.Is(err, context.Canceled) || s.ctx.Err() != nil {
			return b, err
		}
		// Woken by Close: fall through to draining.
	}
	ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	b, err := s.q.Next(ctx, max)
	if errors.Is(err, context.DeadlineExceeded) {
		return b, errDrained
	}
	return b, err
}

// insert retries until the batch is stored or the shipper is stopped hard.
// A failed attempt may still have stored rows (the connection broke after
// ClickHouse committed, or the insert spanned several partitions), so every
// retry first drops the rows ClickHouse already has.
func (s *Shipper) insert(recs []schemas.Invocation) error {
	attempted := false
	return s.retry("insert", len(recs), func() error {
		if attempted {
			kept, err := s.filterStored(recs)
			if err != nil {
				return err
			}
			recs = kept
		}
		if len(recs) == 0 {
			return nil
		}
		attempted = true
		began := time.Now()
		err := schemas.InsertInvocations(s.ctx, s.conn, recs)
		s.stats.observe(len(recs), time.Since(began), err)
		return err
	})
}

// retry runs op until it succeeds or the shipper is stopped hard. Errors
// that a retry cannot fix (the table does not match) are retried too, at
// the slowest pace: dropping acknowledged records is never an option, and
// the queue filling up makes the problem visible as backpressure.
func (s *Shipper) retry(what string, rows int, op func() error) error {
	backoff := s.cfg.RetryInitialBackoff
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil {
			return nil
		}
		if s.ctx.Err() != nil {
			return s.ctx.Err()
		}
		if isPermanent(err) {
			backoff = s.cfg.RetryMaxBackoff
			s.logger.Error(what+" fails permanently; records stay queued until it is fixed", "rows", rows, "err", err)
		} else {
			s.logger.Warn(what+" failed, retrying", "rows", rows, "attempt", attempt, "err", err)
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-time.After(wait):
		case <-s.ctx.Done():
			return s.ctx.Err()
		}
		backoff = min(backoff*2, s.cfg.RetryMaxBackoff)
	}
}

// permanentCodes are ClickHouse errors that a retry cannot fix: the insert
// itself does not fit the table.
var permanentCodes = map[int32]bool{
	16: true, // NO_SUCH_COLUMN_IN_TABLE
	27: true, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
	36: true, // BAD_ARGUMENTS
	47: true, // UNKNOWN_IDENTIFIER
	53: true, // TYPE_MISMATCH
	62: true, // SYNTAX_ERROR
	60: true, // UNKNOWN_TABLE: run "faascope migrate"
	70: true, // CANNOT_CONVERT_TYPE
	81: true, // UNKNOWN_DATABASE
}

func isPermanent(err error) bool {
	var ex *clickhouse.Exception
	return errors.As(err, &ex) && permanentCodes[ex.Code]
}

// Close ships what is queued and stops, or stops when ctx ends, leaving the
// rest queued on disk for the next start. It does not close the queue.
func (s *Shipper) Close(ctx context.Context) error {
	s.startDrain()
	select {
	case <-s.stopped:
		return nil
	case <-ctx.Done():
		s.hard()
		<-s.stopped
		return fmt.Errorf("stopped before the queue was shipped (the rest ships at the next start): %w", ctx.Err())
	}
}
