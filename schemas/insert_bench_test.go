package schemas

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkColumns measures turning one 10,000-row batch into columns, the
// Go side of every insert.
func BenchmarkColumns(b *testing.B) {
	recs := make([]Invocation, 10_000)
	for i := range recs {
		recs[i] = Invocation{
			Tenant: DefaultTenant, Provider: "aws", Platform: "aws_lambda", Region: "eu-west-1",
			AccountID: "123456789012", FunctionName: "fn-" + strconv.Itoa(i%40), MemoryMB: 512,
			TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7",
			Start: time.Unix(1_790_000_000+int64(i), 0), DurationMs: 12.5, Type: RecordInvocation,
			Outcome: OutcomeOK, Attrs: []Attr{{Key: "http.route", Value: "/orders"}},
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		c := newColumns(len(recs))
		for i := range recs {
			c.add(&recs[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/row")
}
