package queue

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strconv"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestAppendNextRoundTripsEveryField(t *testing.T) {
	q := open(t, t.TempDir(), smallConfig())
	want := records(0, 3, 0)
	mustAppend(t, q, want, 3)
	got := drain(t, q, 3, true)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if d := counter(q.stats.depthRecords); d != 0 {
		t.Errorf("depth after commit = %d, want 0", d)
	}
}

func TestOrderAcrossSegmentRolls(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, smallConfig())
	mustAppend(t, q, records(0, 90, bigPad), 7) // batches straddle segment ends
	if n := len(segmentFiles(t, dir)); n < 4 {
		t.Fatalf("%d segments, want several", n)
	}
	if d := counter(q.stats.depthRecords); d != 90 {
		t.Errorf("depth = %d, want 90", d)
	}
	assertIDs(t, drain(t, q, 90, false), 0)
}

func TestCommitTrimsSegments(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, smallConfig())
	mustAppend(t, q, records(0, 70, bigPad), 10)
	before := len(segmentFiles(t, dir))

	assertIDs(t, read(t, q, 30, true), 0)
	if after := len(segmentFiles(t, dir)); after >= before {
		t.Errorf("segments %d -> %d after committing 30 of 70 records, want fewer", before, after)
	}
	drain(t, q, 40, true)
	files := segmentFiles(t, dir)
	if len(files) != 1 {
		t.Errorf("segments after committing everything = %v, want only the one being written", files)
	}
	if g, d := counter(q.stats.segments), counter(q.stats.diskBytes); g != 1 || int64(d) != diskUsage(t, dir) {
		t.Errorf("gauges: segments %d, disk bytes %d; on disk %d files, %d bytes", g, d, len(files), diskUsage(t, dir))
	}
}

func TestCommitPositions(t *testing.T) {
	q := open(t, t.TempDir(), smallConfig())
	mustAppend(t, q, records(0, 10, 0), 10)
	first, err := q.Next(t.Context(), 4)
	if err != nil {
		t.Fatal(err)
	}
	second, err := q.Next(t.Context(), 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Commit(second.End); err != nil {
		t.Fatal(err)
	}
	if err := q.Commit(first.End); err != nil {
		t.Errorf("committing an earlier position: %v, want a no-op", err)
	}
	if d := counter(q.stats.depthRecords); d != 2 {
		t.Errorf("depth = %d, want 2", d)
	}
	beyond := second.End
	beyond.off += 1000
	if err := q.Commit(beyond); err == nil {
		t.Error("committing past what Next returned succeeded")
	}
}

func TestReopenReplaysUncommitted(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, smallConfig())
	mustAppend(t, q, records(0, 60, bigPad), 10)
	assertIDs(t, read(t, q, 25, true), 0)
	b, err := q.Next(t.Context(), 10) // handed out, not committed: replayed
	if err != nil || len(b.Records) == 0 {
		t.Fatalf("Next: %d records, %v", len(b.Records), err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	q = open(t, dir, smallConfig())
	if d := counter(q.stats.depthRecords); d != 35 {
		t.Errorf("depth after reopen = %d, want 35", d)
	}
	assertIDs(t, drain(t, q, 35, false), 25)
	mustAppend(t, q, records(60, 5, 0), 5)
	assertIDs(t, drain(t, q, 5, true), 60)
	q.Close()

	q = open(t, dir, smallConfig())
	if d := counter(q.stats.depthRecords); d != 0 {
		t.Errorf("depth after committing everything and reopening = %d, want 0", d)
	}
	assertNothingToRead(t, q)
}

func TestFullThenAcceptsAfterCommit(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{SegmentBytes: minSegmentBytes, MaxBytes: 3 * minSegmentBytes}
	q := open(t, dir, cfg)
	stored := 0
	var err error
	for ; err == nil; stored++ {
		err = q.Append(context.Background(), records(stored, 1, bigPad))
		if usage := diskUsage(t, dir); usage > cfg.MaxBytes {
			t.Fatalf("%d bytes on disk, limit %d", usage, cfg.MaxBytes)
		}
	}
	stored-- // the last call failed
	if !errors.Is(err, ErrFull) {
		t.Fatalf("err = %v, want ErrFull", err)
	}
	if n := counter(q.stats.refused); n != 1 {
		t.Errorf("refused = %d, want 1", n)
	}
	assertIDs(t, drain(t, q, stored, true), 0)
	if err := q.Append(context.Background(), records(stored, 1, bigPad)); err != nil {
		t.Fatalf("Append after commit freed space: %v", err)
	}
	assertIDs(t, drain(t, q, 1, true), stored)
}

func TestTooLarge(t *testing.T) {
	q := open(t, t.TempDir(), smallConfig())
	if err := q.Append(context.Background(), records(0, 1, MaxRecordBytes)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized record: err = %v, want ErrTooLarge", err)
	}
	cfg := Config{SegmentBytes: minSegmentBytes, MaxBytes: 2 * minSegmentBytes}
	q = open(t, t.TempDir(), cfg)
	if err := q.Append(context.Background(), records(0, 30, bigPad)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("batch larger than the queue can take: err = %v, want ErrTooLarge", err)
	}
}

func TestConcurrentAppendsShareFsyncs(t *testing.T) {
	const writers, calls, per = 16, 40, 5
	q := open(t, t.TempDir(), smallConfig())
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for c := range calls {
				if err := q.Append(context.Background(), records((w*calls+c)*per, per, 0)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got := drain(t, q, writers*calls*per, true)

	// Each record exactly once, and each writer's records in its order.
	last := map[int]int{}
	ids := make([]int, 0, len(got))
	for _, r := range got {
		n, _ := strconv.Atoi(r.InvocationID[len("inv-"):])
		w := n / (calls * per)
		if prev, ok := last[w]; ok && n <= prev {
			t.Fatalf("writer %d: record %d after %d", w, n, prev)
		}
		last[w] = n
		ids = append(ids, n)
	}
	sort.Ints(ids)
	for i, n := range ids {
		if n != i {
			t.Fatalf("records stored: missing or duplicate around %d", i)
		}
	}
	if f := counter(q.stats.fsyncs); f >= writers*calls {
		t.Errorf("%d fsyncs for %d appends: no group commit", f, writers*calls)
	}
	if a := counter(q.stats.appended); a != len(got) {
		t.Errorf("appended counter = %d, want %d", a, len(got))
	}
}

func TestClose(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, smallConfig())
	mustAppend(t, q, records(0, 2, 0), 2)
	b, err := q.Next(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, smallConfig(), Settings{}); err == nil {
		t.Error("second Open of a directory in use succeeded")
	}

	// Next waiting for records is released by Close.
	if _, err := q.Next(t.Context(), 10); err != nil { // the second record
		t.Fatal(err)
	}
	waiting := make(chan error)
	go func() {
		_, err := q.Next(context.Background(), 10)
		waiting <- err
	}()
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-waiting; !errors.Is(err, ErrClosed) {
		t.Errorf("waiting Next: err = %v, want ErrClosed", err)
	}
	if err := q.Append(context.Background(), records(2, 1, 0)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: err = %v, want ErrClosed", err)
	}
	if _, err := q.Next(context.Background(), 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: err = %v, want ErrClosed", err)
	}
	if err := q.Commit(b.End); !errors.Is(err, ErrClosed) {
		t.Errorf("Commit after Close: err = %v, want ErrClosed", err)
	}
	if err := q.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	// The directory is free again and nothing was lost.
	q = open(t, dir, smallConfig())
	assertIDs(t, drain(t, q, 2, false), 0)
}

func TestNextHonoursContext(t *testing.T) {
	q := open(t, t.TempDir(), smallConfig())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := q.Next(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if _, err := q.Next(ctx, 0); err == nil {
		t.Error("max 0 accepted")
	}
}

func TestMetricsRegistered(t *testing.T) {
	reg := prometheus.NewRegistry()
	q, err := Open(t.TempDir(), smallConfig(), Settings{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, q, records(0, 1, 0), 1)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range families {
		names = append(names, f.GetName())
	}
	want := []string{
		"faascope_queue_appended_records_total", "faascope_queue_corrupt_records_total",
		"faascope_queue_depth_bytes", "faascope_queue_depth_records", "faascope_queue_disk_bytes",
		"faascope_queue_fsyncs_total", "faascope_queue_refused_records_total",
		"faascope_queue_segments", "faascope_queue_torn_tails_total",
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("metrics %v, want %v", names, want)
	}
	q.Close()
	// Close unregisters, so the same registry can take a reopened queue.
	q, err = Open(t.TempDir(), smallConfig(), Settings{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	q.Close()
}
