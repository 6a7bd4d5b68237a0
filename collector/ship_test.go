package collector

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/faascope/faascope/collector/queue"
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
	c.BatchSize, c.FlushInterval = 100, 20*time.Millisecond
	c.RetryInitialBackoff, c.RetryMaxBackoff = 10*time.Millisecond, 100*time.Millisecond
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
	return withIDs(out)
}

func countRows(t *testing.T, db *chclient.Client, fn string) uint64 {
	t.Helper()
	var n uint64
	if err := db.Conn.QueryRow(context.Background(), "SELECT count() FROM invocations WHERE function_name = ?", fn).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitRows polls until fn has want rows, and fails if it gets more or
// never gets there.
func waitRows(t *testing.T, db *chclient.Client, fn string, want uint64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := countRows(t, db, fn)
		if n == want {
			return
		}
		if n > want || time.Now().After(deadline) {
			t.Fatalf("%d rows of %s stored, want %d", n, fn, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func openQueue(t *testing.T, dir string, cfg queue.Config) *queue.Queue {
	t.Helper()
	q, err := queue.Open(dir, cfg, queue.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// queueEmpty reports whether a reopened queue has nothing left to ship.
func queueEmpty(t *testing.T, dir string) bool {
	t.Helper()
	q := openQueue(t, dir, queue.NewDefaultConfig())
	defer q.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := q.Next(ctx, 1)
	return errors.Is(err, context.DeadlineExceeded)
}

// What the queue acknowledged reaches ClickHouse exactly once, and the queue
// commits it: a restart has nothing left to replay.
func TestShipperStoresWhatTheQueueAcknowledged(t *testing.T) {
	db := migratedDB(t)
	dir := t.TempDir()
	q := openQueue(t, dir, queue.NewDefaultConfig())
	s := NewShipper(q, db.Conn, testWriterConfig(), Settings{})
	s.Start()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := (QueueWriter{Q: q}).Write(context.Background(), records("ack", 37)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	waitRows(t, db, "ack", 20*37)
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if !queueEmpty(t, dir) {
		t.Error("records were stored but the queue still holds them")
	}
}

// An export acknowledged while ClickHouse is unreachable is stored once it
// is back; nothing is lost and nothing doubled.
func TestShipperSurvivesAClickHouseOutage(t *testing.T) {
	db := migratedDB(t)
	p := chtest.NewProxy(t, chtest.Addr())
	cfg := chclient.NewDefaultConfig()
	cfg.Addr, cfg.Database = p.Addr(), db.Database
	viaProxy, err := chclient.Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer viaProxy.Close()
	q := openQueue(t, t.TempDir(), queue.NewDefaultConfig())
	defer q.Close()
	s := NewShipper(q, viaProxy.Conn, testWriterConfig(), Settings{})
	s.Start()
	defer s.Close(context.Background())

	p.SetDown(true)
	for range 5 {
		if err := (QueueWriter{Q: q}).Write(context.Background(), records("outage", 100)); err != nil {
			t.Fatalf("write during the outage: %v", err)
		}
	}
	time.Sleep(300 * time.Millisecond) // several insert attempts fail meanwhile
	if n := countRows(t, db, "outage"); n != 0 {
		t.Fatalf("%d rows stored through a cut line", n)
	}
	p.SetDown(false)
	waitRows(t, db, "outage", 500)
}

// Close ships everything queued before it returns.
func TestShipperDrainsOnClose(t *testing.T) {
	db := migratedDB(t)
	dir := t.TempDir()
	q := openQueue(t, dir, queue.NewDefaultConfig())
	if err := (QueueWriter{Q: q}).Write(context.Background(), records("drain", 250)); err != nil {
		t.Fatal(err)
	}
	s := NewShipper(q, db.Conn, testWriterConfig(), Settings{})
	s.Start()
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, "drain"); n != 250 {
		t.Errorf("%d rows after Close, want 250", n)
	}
	q.Close()
	if !queueEmpty(t, dir) {
		t.Error("queue not committed after drain")
	}
}

// A batch the table cannot take is never dropped: it stays queued, and a
// Close that runs out of time says so.
func TestShipperKeepsRecordsOnPermanentErrors(t *testing.T) {
	db := chtest.NewDatabase(t) // no migrations: the table does not exist
	dir := t.TempDir()
	q := openQueue(t, dir, queue.NewDefaultConfig())
	if err := (QueueWriter{Q: q}).Write(context.Background(), records("stuck", 10)); err != nil {
		t.Fatal(err)
	}
	s := NewShipper(q, db.Conn, testWriterConfig(), Settings{})
	s.Start()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := s.Close(ctx); err == nil {
		t.Error("Close reported a clean drain although nothing could be stored")
	}
	q.Close()
	if queueEmpty(t, dir) {
		t.Error("records that could not be stored were dropped from the queue")
	}
}

// A full queue refuses with ErrBusy, which receivers answer as "retry later".
func TestQueueWriterRefusesWhenFull(t *testing.T) {
	cfg := queue.NewDefaultConfig()
	cfg.SegmentBytes, cfg.MaxBytes = 2<<20, 4<<20
	q := openQueue(t, t.TempDir(), cfg)
	defer q.Close()
	w := QueueWriter{Q: q}
	var err error
	for range 1000 {
		if err = w.Write(context.Background(), records("full", 500)); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrBusy) || !isRetryable(err) {
		t.Fatalf("write to a full queue: %v, want a retryable ErrBusy", err)
	}
}
