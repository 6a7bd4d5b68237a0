package collector

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/faascope/faascope/collector/queue"
	"github.com/faascope/faascope/schemas"
)

func span(trace, id int) schemas.Invocation {
	return schemas.Invocation{TraceID: strconv.Itoa(trace), SpanID: strconv.Itoa(id)}
}

func TestRecentSpansRemembersAWindow(t *testing.T) {
	r := newRecentSpans(4)
	recs := []schemas.Invocation{span(1, 1), span(1, 2), span(1, 1), span(2, 1), span(1, 2)}
	kept, dropped := r.dropSeen(recs)
	if len(kept) != 3 || dropped != 2 {
		t.Fatalf("kept %d, dropped %d; want 3 and 2 (repeats inside one batch)", len(kept), dropped)
	}
	// Same span id under another trace is another span.
	if r.seen(&schemas.Invocation{TraceID: "3", SpanID: "1"}) {
		t.Error("span 1 of trace 3 taken for span 1 of trace 1")
	}
	// The window holds at least capacity spans: fill one more generation.
	for i := 10; i < 14; i++ {
		s := span(9, i)
		r.seen(&s)
	}
	if s := span(9, 10); !r.seen(&s) {
		t.Error("a span inside the window was forgotten")
	}
	for i := 20; i < 40; i++ {
		s := span(9, i)
		r.seen(&s)
	}
	if s := span(1, 1); r.seen(&s) {
		t.Error("a span far outside the window is still remembered: memory would grow")
	}
}

// An export delivered twice (a retry after a lost answer) is stored once.
func TestShipperStoresARepeatedExportOnce(t *testing.T) {
	db := migratedDB(t)
	q := openQueue(t, t.TempDir(), queue.NewDefaultConfig())
	defer q.Close()
	s := NewShipper(q, db.Conn, testWriterConfig(), Settings{})
	s.Start()
	recs := records("twice", 300)
	for range 2 {
		if err := (QueueWriter{Q: q}).Write(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, "twice"); n != 300 {
		t.Errorf("%d rows, want 300", n)
	}
}

// A process that inserted a batch and died before committing the queue
// leaves it to be shipped again: the next process finds it stored.
func TestShipperDoesNotRestoreWhatThePreviousProcessStored(t *testing.T) {
	db := migratedDB(t)
	recs := records("replayed", 400)
	if err := schemas.InsertInvocations(context.Background(), db.Conn, recs[:250]); err != nil {
		t.Fatal(err)
	}
	q := openQueue(t, t.TempDir(), queue.NewDefaultConfig())
	defer q.Close()
	if err := (QueueWriter{Q: q}).Write(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	cfg := testWriterConfig()
	cfg.BatchSize = 1000
	s := NewShipper(q, db.Conn, cfg, Settings{})
	s.Start()
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, "replayed"); n != 400 {
		t.Errorf("%d rows, want 400: 250 stored before, 150 shipped now", n)
	}
}

// nextID makes every record from records() a different span.
var nextID atomic.Uint64

// withIDs gives records distinct trace and span ids, as real spans have.
func withIDs(recs []schemas.Invocation) []schemas.Invocation {
	for i := range recs {
		id := strconv.FormatUint(1<<60+nextID.Add(1), 16)
		recs[i].TraceID, recs[i].SpanID = id+id, id
	}
	return recs
}
