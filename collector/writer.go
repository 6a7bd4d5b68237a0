package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/faascope/faascope/schemas"
)

// RecordWriter stores invocation records. Write returns nil only once every
// record passed is committed; it must not keep recs after it returns. An error
// wrapping ErrBusy or ErrUnavailable is retryable: nothing from that call was
// acknowledged and the sender should try again later.
type RecordWriter interface {
	Write(ctx context.Context, recs []schemas.Invocation) error
}

var (
	// ErrBusy: the writer holds as many pending records as it may; retry later.
	ErrBusy = errors.New("writer is at its pending-record limit")
	// ErrUnavailable: storage did not accept the batch within the retry budget,
	// or the writer is shutting down.
	ErrUnavailable = errors.New("storage unavailable")
)

// writeRequest is one caller's records and where to send the outcome.
type writeRequest struct {
	recs []schemas.Invocation
	done chan error
}

// BatchWriter gathers the records of many callers into one ClickHouse insert,
// flushed when BatchSize records are pending or the oldest has waited
// FlushInterval. One insert runs at a time; records arriving meanwhile form the
// next batch. Each caller is answered when the batch holding its records is
// committed, so an OTLP success answer means the data is stored.
type BatchWriter struct {
	conn   driver.Conn
	cfg    WriterConfig
	logger *slog.Logger
	stats  *writerStats

	mu      sync.Mutex
	pending []writeRequest
	count   int // records in pending
	closed  bool
	kick    chan struct{} // a full batch is waiting
	stop    chan struct{}
	stopped chan struct{}
	started sync.Once
	once    sync.Once
}

// NewBatchWriter returns a writer; Start launches its flush loop.
func NewBatchWriter(conn driver.Conn, cfg WriterConfig, set Settings) *BatchWriter {
	return &BatchWriter{
		conn: conn, cfg: cfg, logger: set.logger().With("component", "writer"),
		stats: newWriterStats(set.registerer()),
		kick:  make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{}),
	}
}

var _ RecordWriter = (*BatchWriter)(nil)

// Start launches the flush loop. It must be called at most once.
func (w *BatchWriter) Start() { w.started.Do(func() { go w.loop() }) }

// Write queues recs for the next batch and waits until it is committed.
func (w *BatchWriter) Write(ctx context.Context, recs []schemas.Invocation) error {
	if len(recs) == 0 {
		return nil
	}
	req := writeRequest{recs: recs, done: make(chan error, 1)}
	if err := w.enqueue(req); err != nil {
		return err
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		// The records stay in their batch and are still written; the caller
		// gave up waiting, so it was not told they were stored.
		return fmt.Errorf("cannot wait for commit: %w", ctx.Err())
	}
}

func (w *BatchWriter) enqueue(req writeRequest) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("writer is closed: %w", ErrUnavailable)
	}
	if w.count+len(req.recs) > w.cfg.MaxPendingRecords && w.count > 0 {
		w.stats.refused.Add(float64(len(req.recs)))
		return ErrBusy
	}
	w.pending = append(w.pending, req)
	w.count += len(req.recs)
	if w.count >= w.cfg.BatchSize {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

func (w *BatchWriter) take() []writeRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	reqs := w.pending
	w.pending, w.count = nil, 0
	return reqs
}

func (w *BatchWriter) loop() {
	defer close(w.stopped)
	tick := time.NewTicker(w.cfg.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			w.flush() // records accepted before Close are still written
			return
		case <-tick.C:
		case <-w.kick:
		}
		w.flush()
	}
}

// flush writes everything pending as one insert and answers its callers.
func (w *BatchWriter) flush() {
	reqs := w.take()
	if len(reqs) == 0 {
		return
	}
	recs := reqs[0].recs
	if len(reqs) > 1 {
		n := 0
		for _, r := range reqs {
			n += len(r.recs)
		}
		// Exact capacity: the pending records may exceed BatchSize, and
		// regrowing a slice of large structs showed at the top of the profile.
		recs = make([]schemas.Invocation, 0, n)
		for _, r := range reqs {
			recs = append(recs, r.recs...)
		}
	}
	err := w.insertWithRetry(recs)
	for _, r := range reqs {
		r.done <- err
	}
}

// insertWithRetry retries transient failures with exponential backoff and
// jitter until RetryTimeout; permanent errors (the statement itself is wrong)
// stop at once.
func (w *BatchWriter) insertWithRetry(recs []schemas.Invocation) error {
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.RetryTimeout)
	defer cancel()
	backoff := w.cfg.RetryInitialBackoff
	for attempt := 1; ; attempt++ {
		began := time.Now()
		err := schemas.InsertInvocations(ctx, w.conn, recs)
		w.stats.observe(len(recs), time.Since(began), err)
		if err == nil {
			return nil
		}
		if isPermanent(err) {
			w.logger.Error("insert failed permanently", "rows", len(recs), "err", err)
			return fmt.Errorf("cannot insert %d records: %w", len(recs), err)
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		w.logger.Warn("insert failed, retrying", "rows", len(recs), "attempt", attempt, "wait", wait, "err", err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("cannot insert %d records after %d attempts: %w: %w", len(recs), attempt, ErrUnavailable, err)
		}
		backoff = min(backoff*2, w.cfg.RetryMaxBackoff)
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

// Close stops intake, writes what was accepted, and waits for the last batch
// or ctx, whichever comes first. It is idempotent.
func (w *BatchWriter) Close(ctx context.Context) error {
	w.once.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		close(w.stop)
		// Closing a writer that never started has nothing to flush.
		w.started.Do(func() { close(w.stopped) })
	})
	select {
	case <-w.stopped:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("cannot finish the last batch: %w", ctx.Err())
	}
}
