package queue

import (
	"os"
	"path/filepath"
	"testing"
)

// segmentBytes writes recs (one Append each) to a fresh queue in dir, closes
// it and returns the bytes of its only segment and where its last frame
// starts.
func segmentBytes(t *testing.T, dir string, n int) (data []byte, lastStart int) {
	t.Helper()
	q := open(t, dir, smallConfig())
	mustAppend(t, q, records(0, n, 0), 1)
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(segmentPath(dir, 1))
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(data); off += frameLen(data[off:]) {
		lastStart = off
	}
	return data, lastStart
}

func TestTornTailAtEveryOffsetOfLastRecord(t *testing.T) {
	const n = 4
	data, lastStart := segmentBytes(t, t.TempDir(), n)
	for cut := lastStart; cut < len(data); cut++ {
		dir := t.TempDir()
		if err := os.WriteFile(segmentPath(dir, 1), data[:cut], 0o640); err != nil {
			t.Fatal(err)
		}
		q := open(t, dir, smallConfig())
		assertIDs(t, drain(t, q, n-1, false), 0)
		wantTorn := 0
		if cut > lastStart {
			wantTorn = 1
		}
		if got := counter(q.stats.tornTails); got != wantTorn {
			t.Fatalf("cut at %d: torn tails = %d, want %d", cut, got, wantTorn)
		}
		if size := diskUsage(t, dir); size != int64(lastStart) {
			t.Fatalf("cut at %d: segment is %d bytes, want truncated to %d", cut, size, lastStart)
		}
		// The queue appends after the cut and keeps those records.
		mustAppend(t, q, records(n-1, 1, 0), 1)
		assertIDs(t, drain(t, q, 1, false), n-1)
		q.Close()
	}
}

func TestZeroFilledTailIsTorn(t *testing.T) {
	data, lastStart := segmentBytes(t, t.TempDir(), 3)
	cases := map[string][]byte{
		"last record zeroed": append(append([]byte{}, data[:lastStart]...), make([]byte, len(data)-lastStart)...),
		"zeros after end":    append(append([]byte{}, data...), make([]byte, 8192)...),
	}
	for name, seg := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(segmentPath(dir, 1), seg, 0o640); err != nil {
				t.Fatal(err)
			}
			q := open(t, dir, smallConfig())
			want := 2
			if name == "zeros after end" {
				want = 3
			}
			assertIDs(t, drain(t, q, want, false), 0)
			if torn, bad := counter(q.stats.tornTails), counter(q.stats.corrupt); torn != 1 || bad != 0 {
				t.Errorf("torn %d, corrupt %d; want 1, 0", torn, bad)
			}
		})
	}
}

// flipByte changes one byte in the payload of the i-th frame of a segment.
func flipByte(t *testing.T, path string, i int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	off := 0
	for range i {
		off += frameLen(data[off:])
	}
	data[off+frameHeaderLen+10] ^= 0x40
	if err := os.WriteFile(path, data, 0o640); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptRecordSkipsRestOfSegment(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, smallConfig())
	mustAppend(t, q, records(0, 50, bigPad), 1)
	q.Close()
	first := q.segs[0].records // records in segment 1
	flipByte(t, segmentPath(dir, 1), 5)

	q = open(t, dir, smallConfig())
	if bad := counter(q.stats.corrupt); bad != 1 {
		t.Errorf("corrupt = %d, want 1", bad)
	}
	got := drain(t, q, int(5+50-first), true)
	assertIDs(t, got[:5], 0)
	assertIDs(t, got[5:], int(first))
}

func TestCorruptLastSegmentIsNotAppendedTo(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, smallConfig())
	mustAppend(t, q, records(0, 10, 0), 1)
	q.Close()
	path := segmentPath(dir, 1)
	flipByte(t, path, 4)
	before := diskUsage(t, dir)

	q = open(t, dir, smallConfig())
	mustAppend(t, q, records(10, 2, 0), 2)
	got := drain(t, q, 6, false)
	assertIDs(t, got[:4], 0)
	assertIDs(t, got[4:], 10)
	if info, err := os.Stat(path); err != nil || info.Size() != before {
		t.Errorf("damaged segment changed: %v", err)
	}
	if bad := counter(q.stats.corrupt); bad != 1 {
		t.Errorf("corrupt = %d, want 1", bad)
	}
}

func TestCorruptionFoundWhileReading(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, smallConfig())
	mustAppend(t, q, records(0, 10, 0), 1)
	flipByte(t, segmentPath(dir, 1), 3)
	b, err := q.Next(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	assertIDs(t, b.Records, 0)
	if len(b.Records) != 3 {
		t.Errorf("read %d records, want the 3 before the damage", len(b.Records))
	}
	if err := q.Commit(b.End); err != nil {
		t.Fatal(err)
	}
	assertNothingToRead(t, q)
	if bad := counter(q.stats.corrupt); bad != 1 {
		t.Errorf("corrupt = %d, want 1", bad)
	}
	// Later appends to the same segment are read.
	mustAppend(t, q, records(10, 2, 0), 2)
	assertIDs(t, drain(t, q, 2, true), 10)
}

func TestDamagedCursorReplaysEverything(t *testing.T) {
	dir := t.TempDir()
	q := open(t, dir, smallConfig())
	mustAppend(t, q, records(0, 6, 0), 6)
	read(t, q, 4, true)
	q.Close()
	if err := os.WriteFile(filepath.Join(dir, cursorFile), []byte("garbage"), 0o640); err != nil {
		t.Fatal(err)
	}
	q = open(t, dir, smallConfig())
	assertIDs(t, drain(t, q, 6, false), 0)
}
