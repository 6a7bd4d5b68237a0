package collector

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faascope/faascope/internal/chclient"
	"github.com/faascope/faascope/internal/chtest"
	"github.com/faascope/faascope/schemas"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

func migratedDB(t *testing.T) *chclient.Client {
	t.Helper()
	db := chtest.NewDatabase(t)
	if _, err := (&schemas.Migrator{Conn: db.Conn, DDLContext: db.DDLContext}).Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func testWriterConfig() WriterConfig {
	c := NewDefaultConfig().Writer
	c.BatchSize, c.FlushInterval, c.MaxPendingRecords = 100, 20*time.Millisecond, 1000
	c.RetryTimeout = 2 * time.Second
	return c
}

func records(fn string, n int) []schemas.Invocation {
	out := make([]schemas.Invocation, n)
	for i := range out {
		out[i] = schemas.Invocation{
			Tenant: "default", Provider: "aws", FunctionName: fn, Start: time.Unix(1_790_000_000+int64(i), 0).UTC(),
			Type: schemas.RecordInvocation, Outcome: schemas.OutcomeOK,
		}
	}
	return out
}

func countRows(t *testing.T, db *chclient.Client, fn string) uint64 {
	t.Helper()
	var n uint64
	if err := db.Conn.QueryRow(context.Background(), "SELECT count() FROM invocations WHERE function_name = ?", fn).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Every Write returns only once its records are committed: a reader right
// after sees them all.
func TestWriterAcknowledgesAfterCommit(t *testing.T) {
	db := migratedDB(t)
	w := NewBatchWriter(db.Conn, testWriterConfig(), Settings{})
	w.Start()
	defer w.Close(context.Background())

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for g := 0; g < 20; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Write(context.Background(), records("ack", 37)); err != nil {
				errs <- err
				return
			}
			if n := countRows(t, db, "ack"); n < 37 {
				errs <- errors.New("write returned before its rows were visible")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := countRows(t, db, "ack"); n != 20*37 {
		t.Errorf("%d rows stored, want %d", n, 20*37)
	}
}

func TestWriterRefusesPastItsPendingLimit(t *testing.T) {
	db := migratedDB(t)
	cfg := testWriterConfig()
	cfg.FlushInterval = time.Hour // nothing flushes until the batch is full
	cfg.BatchSize, cfg.MaxPendingRecords = 1000, 1000
	w := NewBatchWriter(db.Conn, cfg, Settings{})
	w.Start()

	first := make(chan error, 1)
	go func() { first <- w.Write(context.Background(), records("busy", 600)) }()
	// Wait until the first write is pending, so the second one is the one
	// that passes the limit (and is refused rather than left waiting).
	for deadline := time.Now().Add(10 * time.Second); pendingRecords(w) < 600; {
		if time.Now().After(deadline) {
			t.Fatal("first write never became pending")
		}
		time.Sleep(time.Millisecond)
	}
	if err := w.Write(context.Background(), records("busy", 600)); !errors.Is(err, ErrBusy) {
		t.Fatalf("second write past the limit: %v, want ErrBusy", err)
	}
	// Close writes what was accepted, and answers the waiting caller.
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatalf("accepted write failed: %v", err)
	}
	if n := countRows(t, db, "busy"); n != 600 {
		t.Errorf("%d rows after close, want the 600 accepted", n)
	}
	if err := w.Write(context.Background(), records("busy", 1)); !errors.Is(err, ErrUnavailable) {
		t.Errorf("write after close: %v, want ErrUnavailable", err)
	}
}

func TestWriterStopsAtOnceOnPermanentErrors(t *testing.T) {
	db := chtest.NewDatabase(t) // no migrations: the table does not exist
	cfg := testWriterConfig()
	cfg.RetryTimeout = time.Minute
	w := NewBatchWriter(db.Conn, cfg, Settings{})
	w.Start()
	defer w.Close(context.Background())
	err := w.Write(context.Background(), records("nowhere", 1))
	if err == nil {
		t.Fatal("insert into a missing table succeeded")
	}
	if errors.Is(err, ErrUnavailable) {
		t.Errorf("a missing table was treated as retryable: %v", err)
	}
	if attempts := testutil.ToFloat64(w.stats.failures); attempts != 1 {
		t.Errorf("%v insert attempts, want exactly 1 for a permanent error", attempts)
	}
}

func TestWriterCloseWithoutStart(t *testing.T) {
	w := NewBatchWriter(nil, testWriterConfig(), Settings{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal("second Close:", err)
	}
}

func pendingRecords(w *BatchWriter) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.count
}
