package collector

import (
	"runtime"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// BenchmarkNormalize measures the normalizer on requests built from the
// shared fixtures and reports ns/span and allocs/span.
func BenchmarkNormalize(b *testing.B) {
	all := ptrace.NewTraces()
	for _, f := range fixtureFiles(b) {
		loadFixture(b, f).ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
	}
	cases := []struct {
		name string
		td   ptrace.Traces
	}{
		{"mixed", repeat(all, 100)}, // every fixture shape, including drops and throttles
		{"lambda", repeat(loadFixture(b, fixtureDir+"/aws-lambda-nodejs-coldstart.json"), 1000)}, // the common case
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			n := NewNormalizer(NormalizerOptions{})
			spans := c.td.SpanCount()
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				if r := n.Normalize(c.td); len(r.Records) == 0 {
					b.Fatal("no records")
				}
			}
			runtime.ReadMemStats(&after)
			total := float64(b.N) * float64(spans)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/span")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/span")
		})
	}
}

// repeat returns a request holding times copies of td's resource spans.
func repeat(td ptrace.Traces, times int) ptrace.Traces {
	out := ptrace.NewTraces()
	for range times {
		cp := ptrace.NewTraces()
		td.CopyTo(cp)
		cp.ResourceSpans().MoveAndAppendTo(out.ResourceSpans())
	}
	return out
}
