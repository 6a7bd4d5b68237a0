package queue

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faascope/faascope/schemas"
)

// smallConfig has the smallest segments Validate allows.
func smallConfig() Config {
	return Config{SegmentBytes: minSegmentBytes, MaxBytes: 32 * minSegmentBytes}
}

// open opens a queue on dir with its own registry and closes it at the end
// of the test.
func open(t *testing.T, dir string, cfg Config) *Queue {
	t.Helper()
	q, err := Open(dir, cfg, Settings{Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

// records returns n records numbered from first; pad adds an attribute of
// that many bytes, to fill segments with few records.
func records(first, n, pad int) []schemas.Invocation {
	recs := make([]schemas.Invocation, n)
	for i := range recs {
		recs[i] = fullRecord(first + i)
		if pad > 0 {
			recs[i].Attrs = append(recs[i].Attrs, schemas.Attr{Key: "pad", Value: strings.Repeat("x", pad)})
		}
	}
	return recs
}

// bigPad makes a record of about 100 KiB: a 2 MiB segment holds ~20.
const bigPad = 100 << 10

func mustAppend(t *testing.T, q *Queue, recs []schemas.Invocation, per int) {
	t.Helper()
	for len(recs) > 0 {
		n := min(per, len(recs))
		if err := q.Append(context.Background(), recs[:n]); err != nil {
			t.Fatalf("Append: %v", err)
		}
		recs = recs[n:]
	}
}

// read reads exactly n records, committing every batch when commit is set.
func read(t *testing.T, q *Queue, n int, commit bool) []schemas.Invocation {
	t.Helper()
	var got []schemas.Invocation
	for len(got) < n {
		b, err := q.Next(t.Context(), n-len(got))
		if err != nil {
			t.Fatalf("Next after %d of %d records: %v", len(got), n, err)
		}
		got = append(got, b.Records...)
		if commit {
			if err := q.Commit(b.End); err != nil {
				t.Fatalf("Commit: %v", err)
			}
		}
	}
	return got
}

func assertNothingToRead(t *testing.T, q *Queue) {
	t.Helper()
	q.readMu.Lock()
	defer q.readMu.Unlock()
	if _, wait, err := q.readable(); err != nil || wait == nil {
		t.Fatalf("more records readable than expected (err %v)", err)
	}
}

// drain reads exactly n records and checks that nothing else is readable.
func drain(t *testing.T, q *Queue, n int, commit bool) []schemas.Invocation {
	t.Helper()
	got := read(t, q, n, commit)
	assertNothingToRead(t, q)
	return got
}

// assertIDs checks that got holds the records numbered first, first+1, ...
func assertIDs(t *testing.T, got []schemas.Invocation, first int) {
	t.Helper()
	for i, r := range got {
		if want := "inv-" + strconv.Itoa(first+i); r.InvocationID != want {
			t.Fatalf("record %d is %s, want %s", i, r.InvocationID, want)
		}
	}
}

func segmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"+segmentSuffix))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func diskUsage(t *testing.T, dir string) int64 {
	t.Helper()
	var total int64
	for _, f := range segmentFiles(t, dir) {
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		total += info.Size()
	}
	return total
}

func counter(c prometheus.Collector) int { return int(testutil.ToFloat64(c)) }
