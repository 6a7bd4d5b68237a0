package loadgen

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faascope/faascope/collector"
	"github.com/faascope/faascope/schemas"
)

var testEnd = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// requests generates a workload's export requests as protobuf bytes.
func requests(t *testing.T, w Workload, seed uint64, window time.Duration) ([][]byte, *Truth) {
	t.Helper()
	g := NewGenerator(w, seed, testEnd.Add(-window), testEnd)
	var out [][]byte
	var m ptrace.ProtoMarshaler
	for {
		b, ok := g.Next(500)
		if !ok {
			return out, g.Truth()
		}
		raw, err := m.MarshalTraces(b.Traces)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, raw)
	}
}

func TestSameSeedSameSpans(t *testing.T) {
	w, _ := Preset("demo")
	a, ta := requests(t, w, 7, 6*time.Hour)
	b, _ := requests(t, w, 7, 6*time.Hour)
	_, tc := requests(t, w, 8, 6*time.Hour)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("same seed: %d and %d requests", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("same seed: request %d differs", i)
		}
	}
	if ta.Total() == tc.Total() {
		t.Errorf("seeds 7 and 8 gave the same totals %+v", ta.Total())
	}
}

// observed is what the normalizer made of one function's spans.
type observed struct {
	invocations, errors, timeouts, throttles, explicitCold, inits uint64
	unflaggedInstances                                            map[string]bool
}

// coldStarts applies faascope's cold-start rule (analyzer.Functions):
// explicit flags plus instances never flagged, or init spans if more.
func (o *observed) coldStarts() uint64 {
	return max(o.explicitCold+uint64(len(o.unflaggedInstances)), o.inits)
}

// TestNormalizerSeesTheTruth runs every span through faascope's real
// normalizer and checks that what it records per function is what was sent.
func TestNormalizerSeesTheTruth(t *testing.T) {
	w, _ := Preset("demo")
	reqs, truth := requests(t, w, 42, 3*24*time.Hour)
	norm := collector.NewNormalizer(collector.NormalizerOptions{})
	byName := map[string]*observed{}
	var u ptrace.ProtoUnmarshaler
	for _, raw := range reqs {
		td, err := u.UnmarshalTraces(raw)
		if err != nil {
			t.Fatal(err)
		}
		res := norm.Normalize(td)
		if res.Rejected != 0 {
			t.Fatalf("normalizer rejected %d spans: %v", res.Rejected, res.RejectReasons)
		}
		for _, rec := range res.Records {
			observe(byName, rec)
		}
	}
	for _, ft := range truth.Functions {
		o := byName[ft.Function]
		if o == nil {
			t.Errorf("%s: no records", ft.Function)
			continue
		}
		got := [6]uint64{o.invocations, o.coldStarts(), o.throttles, o.errors, o.timeouts}
		want := [6]uint64{ft.Invocations, ft.ColdStarts, ft.Throttles, ft.Errors, ft.Timeouts}
		if got != want {
			t.Errorf("%s: normalizer saw invocations, cold, throttles, errors, timeouts = %v, truth %v", ft.Function, got[:5], want[:5])
		}
	}
	assertVariety(t, truth)
	t.Logf("3 days of demo: %d requests, %d spans, totals %+v", len(reqs), truth.Spans, truth.Total())
}

func observe(byName map[string]*observed, rec schemas.Invocation) {
	o := byName[rec.FunctionName]
	if o == nil {
		o = &observed{unflaggedInstances: map[string]bool{}}
		byName[rec.FunctionName] = o
	}
	switch rec.Type {
	case schemas.RecordThrottle:
		o.throttles++
	case schemas.RecordInit:
		o.inits++
	case schemas.RecordInvocation:
		o.invocations++
		switch {
		case rec.ColdStart:
			o.explicitCold++
		case rec.ColdStartSource == schemas.ColdUnknown && rec.InstanceID != "":
			o.unflaggedInstances[rec.InstanceID] = true
		}
		switch rec.Outcome {
		case schemas.OutcomeError:
			o.errors++
		case schemas.OutcomeTimeout:
			o.timeouts++
		}
	}
}

// assertVariety checks the demo exercises what it promises: every kind of
// event happens somewhere.
func assertVariety(t *testing.T, truth *Truth) {
	tot := truth.Total()
	if tot.ColdStarts == 0 || tot.Throttles == 0 || tot.Errors == 0 || tot.Timeouts == 0 {
		t.Errorf("demo lacks variety: %+v", tot)
	}
	if tot.Invocations < 50_000 || tot.BilledGBSeconds <= 0 || math.IsNaN(tot.BilledGBSeconds) {
		t.Errorf("demo over 3 days: %+v", tot)
	}
}

// The example workload shipped in deploy/config is valid and runs.
func TestExampleWorkloadLoads(t *testing.T) {
	w, err := LoadWorkload("../../../deploy/config/loadgen-workload.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, truth := requests(t, w, 1, 24*time.Hour)
	if tot := truth.Total(); tot.Invocations == 0 || tot.Throttles == 0 {
		t.Errorf("example workload over a day: %+v", tot)
	}
}

func TestInvalidWorkloadReportsEveryProblem(t *testing.T) {
	w := Workload{Functions: []Function{
		{Name: "a", Plan: "aws_lambda", Shape: "gcp", Region: "r", Account: "1", MemoryMB: 128,
			Duration: Dist{MedianMs: 10}, Arrival: Arrival{Pattern: PatternPoisson, PerHour: 1}},
		{Name: "noslash", Plan: "azure_flex", Shape: "azure", MemoryMB: 0,
			Duration: Dist{MedianMs: 10}, Arrival: Arrival{Pattern: "sometimes"}, ErrorRate: 0.9, TimeoutRate: 0.2},
	}}
	err := w.Validate()
	if err == nil {
		t.Fatal("invalid workload accepted")
	}
	for _, want := range []string{
		"functions[0].shape", "functions[1].name", "functions[1].region", "functions[1].account",
		"functions[1].memory_mb", "functions[1].error_rate", "functions[1].arrival",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s:\n%v", want, err)
		}
	}
}

// BenchmarkGenerate measures building export requests of the stress
// workload: the client-side cost in every ingest benchmark.
func BenchmarkGenerate(b *testing.B) {
	w, _ := Preset("stress")
	g := NewGenerator(w, 1, testEnd.Add(-24*time.Hour), testEnd)
	spans := 0
	b.ReportAllocs()
	for b.Loop() {
		batch, ok := g.Next(1000)
		if !ok {
			b.Fatal("window exhausted")
		}
		spans += batch.Spans
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(spans), "ns/span")
}
