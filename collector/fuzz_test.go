package collector

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/faascope/faascope/schemas"
)

// fuzzSeeds are the OTLP/JSON fixtures of real instrumentations.
func fuzzSeeds(f *testing.F) [][]byte {
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures in %s: %v", fixtureDir, err)
	}
	var out [][]byte
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, raw)
	}
	return out
}

// checkNormalized asserts what every normalization keeps, whatever the input:
// each span ends up exactly once as a record, a rejection or a drop, and no
// record carries a time ClickHouse cannot store.
func checkNormalized(t *testing.T, td ptrace.Traces) {
	res := NewNormalizer(NormalizerOptions{}).Normalize(td)
	if got, want := len(res.Records)+res.Rejected+res.Dropped, td.SpanCount(); got != want {
		t.Fatalf("%d records + %d rejected + %d dropped != %d spans", len(res.Records), res.Rejected, res.Dropped, want)
	}
	for _, r := range res.Records {
		if !schemas.InDateTimeRange(r.Start) || r.TraceID == "" || r.SpanID == "" {
			t.Fatalf("unstorable record: %+v", r)
		}
	}
}

// FuzzNormalizeProto feeds arbitrary protobuf bodies through decoding and
// normalization.
func FuzzNormalizeProto(f *testing.F) {
	for _, raw := range fuzzSeeds(f) {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(raw)
		if err != nil {
			f.Fatal(err)
		}
		b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			return
		}
		checkNormalized(t, req.Traces())
	})
}

// FuzzHTTPJSON posts arbitrary OTLP/JSON bodies to the HTTP receiver: it
// must answer with one of the statuses the OTLP specification allows and
// never panic.
func FuzzHTTPJSON(f *testing.F) {
	for _, raw := range fuzzSeeds(f) {
		f.Add(raw)
	}
	h := NewHTTPReceiver("127.0.0.1:0", testLimits(), newTestIngester(&sinkWriter{}), Settings{}).Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, TracesPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentJSON)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		if rec.Code == http.StatusOK {
			req := ptraceotlp.NewExportRequest()
			if err := req.UnmarshalJSON(body); err == nil {
				checkNormalized(t, req.Traces())
			}
		}
	})
}
