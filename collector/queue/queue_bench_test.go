package queue

import (
	"context"
	"fmt"
	"testing"

	"github.com/faascope/faascope/schemas"
)

// BenchmarkAppend measures durable appends (each call waits for its fsync)
// on the test machine's disk, serially and from many goroutines at once.
func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct {
		batch, parallelism int
	}{{1, 0}, {100, 0}, {1, 8}, {100, 8}} {
		name := fmt.Sprintf("batch=%d/goroutines=%d", bc.batch, max(1, bc.parallelism*2))
		b.Run(name, func(b *testing.B) {
			cfg := Config{SegmentBytes: 64 << 20, MaxBytes: 64 << 30}
			q, err := Open(b.TempDir(), cfg, Settings{})
			if err != nil {
				b.Fatal(err)
			}
			defer q.Close()
			recs := records(0, bc.batch, 0)
			appendOnce := func() {
				if err := q.Append(context.Background(), recs); err != nil {
					b.Error(err)
				}
			}
			b.ReportAllocs()
			if bc.parallelism == 0 {
				for b.Loop() {
					appendOnce()
				}
			} else {
				b.SetParallelism(bc.parallelism) // x GOMAXPROCS goroutines
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						appendOnce()
					}
				})
			}
			n := float64(b.N * bc.batch)
			b.ReportMetric(n/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(counter(q.stats.diskBytes))/n, "bytes/record")
			b.ReportMetric(float64(counter(q.stats.fsyncs))/float64(b.N), "fsyncs/op")
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	rec := fullRecord(1)
	buf := AppendRecord(nil, &rec)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRecord(buf[:0], &rec)
	}
}

func BenchmarkDecode(b *testing.B) {
	rec := fullRecord(1)
	buf := AppendRecord(nil, &rec)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	var sink schemas.Invocation
	for b.Loop() {
		var err error
		if sink, err = DecodeRecord(buf); err != nil {
			b.Fatal(err)
		}
	}
	_ = sink
}
