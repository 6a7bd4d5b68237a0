package collector

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/faascope/faascope/schemas"
)

func protoSpans(t *testing.T, spans int) []byte {
	t.Helper()
	b, err := ptraceotlp.NewExportRequestFromTraces(lambdaTraces(spans, 0)).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func postProto(h http.Handler, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, TracesPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentProto)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestExportWithTooManySpansIsRefusedWhole(t *testing.T) {
	sink := &sinkWriter{}
	h := NewHTTPReceiver("127.0.0.1:0", testLimits(), newTestIngester(sink), Settings{}).Handler()
	if rec := postProto(h, protoSpans(t, testLimits().MaxSpansPerRequest+1)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("%d spans: %d, want 413", testLimits().MaxSpansPerRequest+1, rec.Code)
	}
	if sink.count() != 0 {
		t.Errorf("%d records stored from a refused export", sink.count())
	}
	if rec := postProto(h, protoSpans(t, testLimits().MaxSpansPerRequest)); rec.Code != http.StatusOK {
		t.Errorf("%d spans: %d, want 200", testLimits().MaxSpansPerRequest, rec.Code)
	}
}

// gateWriter holds every Write until the gate opens.
type gateWriter struct {
	entered chan struct{}
	gate    chan struct{}
}

func (g *gateWriter) Write(context.Context, []schemas.Invocation) error {
	g.entered <- struct{}{}
	<-g.gate
	return nil
}

func TestExportsBeyondTheConcurrencyLimitAreRefusedRetryably(t *testing.T) {
	limits := testLimits()
	w := &gateWriter{entered: make(chan struct{}, limits.MaxConcurrentRequests), gate: make(chan struct{})}
	h := NewHTTPReceiver("127.0.0.1:0", limits, newTestIngester(w), Settings{}).Handler()
	body := protoSpans(t, 2)
	var wg sync.WaitGroup
	for range limits.MaxConcurrentRequests {
		wg.Go(func() {
			if rec := postProto(h, body); rec.Code != http.StatusOK {
				t.Errorf("export inside the limit: %d", rec.Code)
			}
		})
	}
	for range limits.MaxConcurrentRequests {
		<-w.entered // every slot is taken
	}
	rec := postProto(h, body)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("export past the limit: %d (Retry-After %q), want 429 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	close(w.gate)
	wg.Wait()
	if rec := postProto(h, body); rec.Code != http.StatusOK {
		t.Errorf("export after the others finished: %d, want 200", rec.Code)
	}
}

func TestExportsAreRefusedWhileTheHeapIsOverItsBound(t *testing.T) {
	limits := testLimits()
	limits.MaxHeapBytes = 1 // any live heap is over it
	sink := &sinkWriter{}
	h := NewHTTPReceiver("127.0.0.1:0", limits, NewIngester(NewNormalizer(NormalizerOptions{}), sink, limits, Settings{}), Settings{}).Handler()
	rec := postProto(h, protoSpans(t, 2))
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("export over the heap bound: %d, want 429 with Retry-After", rec.Code)
	}
	if sink.count() != 0 {
		t.Errorf("%d records stored", sink.count())
	}
}
