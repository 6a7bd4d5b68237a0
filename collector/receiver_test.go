package collector

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/faascope/faascope/schemas"
)

// sinkWriter records what it is asked to write, or fails with err.
type sinkWriter struct {
	mu   sync.Mutex
	recs []schemas.Invocation
	err  error
}

func (s *sinkWriter) Write(_ context.Context, recs []schemas.Invocation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.recs = append(s.recs, recs...)
	return nil
}

func (s *sinkWriter) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recs)
}

func testLimits() LimitsConfig {
	return LimitsConfig{MaxRequestBytes: 64 << 10, MaxDecompressedBytes: 256 << 10, RequestTimeout: 5 * time.Second,
		MaxSpansPerRequest: 100, MaxConcurrentRequests: 4}
}

func newTestIngester(w RecordWriter) *Ingester {
	return NewIngester(NewNormalizer(NormalizerOptions{}), w, testLimits(), Settings{})
}

// lambdaTraces builds n Lambda invocation spans; bad of them have no span id.
func lambdaTraces(n, bad int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	attrs := rs.Resource().Attributes()
	attrs.PutStr("cloud.provider", "aws")
	attrs.PutStr("cloud.platform", "aws_lambda")
	attrs.PutStr("cloud.region", "us-east-1")
	attrs.PutStr("faas.name", "orders-api")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		s := spans.AppendEmpty()
		s.SetName("orders-api")
		s.SetKind(ptrace.SpanKindServer)
		s.SetTraceID(pcommon.TraceID{1, 2, 3, byte(i + 1)})
		if i >= bad {
			s.SetSpanID(pcommon.SpanID{9, byte(i + 1)})
		}
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(i) * time.Second)))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(i)*time.Second + 20*time.Millisecond)))
		s.Attributes().PutStr("faas.invocation_id", fmt.Sprintf("req-%d", i))
	}
	return td
}

func protoBody(t *testing.T, td ptrace.Traces) []byte {
	t.Helper()
	b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonBody(t *testing.T, td ptrace.Traces) []byte {
	t.Helper()
	b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

type httpCase struct {
	method, contentType, encoding string
	body                          []byte
}

func post(t *testing.T, h http.Handler, c httpCase) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(c.method, TracesPath, bytes.NewReader(c.body))
	req.Header.Set("Content-Type", c.contentType)
	if c.encoding != "" {
		req.Header.Set("Content-Encoding", c.encoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// statusMessage decodes the google.rpc.Status body of an error answer.
func statusMessage(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var st spb.Status
	var err error
	if strings.HasPrefix(rec.Header().Get("Content-Type"), contentJSON) {
		err = protojson.Unmarshal(rec.Body.Bytes(), &st)
	} else {
		err = proto.Unmarshal(rec.Body.Bytes(), &st)
	}
	if err != nil {
		t.Fatalf("error body is not a Status: %v (%q)", err, rec.Body.String())
	}
	return st.Message
}

func TestHTTPAnswersFollowTheOTLPSpec(t *testing.T) {
	sink := &sinkWriter{}
	h := NewHTTPReceiver("127.0.0.1:0", testLimits(), newTestIngester(sink), Settings{}).Handler()
	good := protoBody(t, lambdaTraces(3, 0))
	bomb := gzipped(make([]byte, 1<<20)) // 1 MiB of zeros, about 1 KiB compressed
	cases := []struct {
		name    string
		c       httpCase
		status  int
		message string
	}{
		{"protobuf", httpCase{"POST", contentProto, "", good}, 200, ""},
		{"json", httpCase{"POST", contentJSON, "", jsonBody(t, lambdaTraces(3, 0))}, 200, ""},
		{"json with charset, gzip", httpCase{"POST", contentJSON + "; charset=utf-8", "gzip", gzipped(jsonBody(t, lambdaTraces(3, 0)))}, 200, ""},
		{"protobuf gzip", httpCase{"POST", contentProto, "gzip", gzipped(good)}, 200, ""},
		{"GET", httpCase{"GET", contentProto, "", nil}, 405, "not allowed"},
		{"text/plain", httpCase{"POST", "text/plain", "", good}, 415, "unsupported content type"},
		{"brotli", httpCase{"POST", contentProto, "br", good}, 415, "unsupported content encoding"},
		{"garbage protobuf", httpCase{"POST", contentProto, "", []byte("\xff\xff\xff not protobuf")}, 400, "cannot decode"},
		{"garbage json", httpCase{"POST", contentJSON, "", []byte(`{"resourceSpans": [`)}, 400, "cannot decode"},
		{"broken gzip", httpCase{"POST", contentProto, "gzip", []byte("not gzip")}, 400, "gzip"},
		{"body over the limit", httpCase{"POST", contentProto, "", make([]byte, 65<<10)}, 413, "exceeds the limit"},
		{"gzip bomb", httpCase{"POST", contentProto, "gzip", bomb}, 413, "decompressed body exceeds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := sink.count()
			rec := post(t, h, c.c)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, c.status, rec.Body.String())
			}
			if c.status == 200 {
				if got := sink.count() - before; got != 3 {
					t.Errorf("%d records written, want 3", got)
				}
				resp := ptraceotlp.NewExportResponse()
				var err error
				if strings.HasPrefix(c.c.contentType, contentJSON) {
					err = resp.UnmarshalJSON(rec.Body.Bytes())
				} else {
					err = resp.UnmarshalProto(rec.Body.Bytes())
				}
				if err != nil {
					t.Errorf("success body is not an ExportTraceServiceResponse: %v", err)
				}
				return
			}
			if msg := statusMessage(t, rec); !strings.Contains(msg, c.message) {
				t.Errorf("message %q lacks %q", msg, c.message)
			}
			if sink.count() != before {
				t.Errorf("a refused request wrote records")
			}
			if c.status == 405 && rec.Header().Get("Allow") != "POST" {
				t.Errorf("405 without Allow: POST")
			}
		})
	}
}

func TestHTTPPartialSuccessKeepsTheGoodSpans(t *testing.T) {
	sink := &sinkWriter{}
	h := NewHTTPReceiver("127.0.0.1:0", testLimits(), newTestIngester(sink), Settings{}).Handler()
	rec := post(t, h, httpCase{"POST", contentJSON, "", jsonBody(t, lambdaTraces(5, 2))})
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	resp := ptraceotlp.NewExportResponse()
	if err := resp.UnmarshalJSON(rec.Body.Bytes()); err != nil {
		t.Fatal(err)
	}
	if got := resp.PartialSuccess().RejectedSpans(); got != 2 {
		t.Errorf("rejected_spans = %d, want 2", got)
	}
	if resp.PartialSuccess().ErrorMessage() == "" {
		t.Error("partial success without a message")
	}
	if sink.count() != 3 {
		t.Errorf("%d records stored, want the 3 good ones", sink.count())
	}
}

func TestHTTPRetryableAnswers(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
	}{
		{fmt.Errorf("x: %w", ErrUnavailable), http.StatusServiceUnavailable},
		{ErrBusy, http.StatusTooManyRequests},
		{fmt.Errorf("schema is broken"), http.StatusInternalServerError},
	} {
		h := NewHTTPReceiver("127.0.0.1:0", testLimits(), newTestIngester(&sinkWriter{err: c.err}), Settings{}).Handler()
		rec := post(t, h, httpCase{"POST", contentProto, "", protoBody(t, lambdaTraces(1, 0))})
		if rec.Code != c.status {
			t.Errorf("%v: status %d, want %d", c.err, rec.Code, c.status)
		}
		if retry := rec.Header().Get("Retry-After"); (c.status != 500) != (retry != "") {
			t.Errorf("%v: Retry-After %q", c.err, retry)
		}
	}
}

func startGRPC(t *testing.T, w RecordWriter) ptraceotlp.GRPCClient {
	t.Helper()
	r := NewGRPCReceiver("127.0.0.1:0", testLimits(), newTestIngester(w), Settings{})
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Shutdown(context.Background()) })
	cc, err := grpc.NewClient(r.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return ptraceotlp.NewGRPCClient(cc)
}

func TestGRPCExportAndPartialSuccess(t *testing.T) {
	sink := &sinkWriter{}
	client := startGRPC(t, sink)
	resp, err := client.Export(context.Background(), ptraceotlp.NewExportRequestFromTraces(lambdaTraces(4, 1)),
		grpc.UseCompressor("gzip"))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.PartialSuccess().RejectedSpans(); got != 1 {
		t.Errorf("rejected_spans = %d, want 1", got)
	}
	if sink.count() != 3 {
		t.Errorf("%d records stored, want 3", sink.count())
	}
}

func TestGRPCRetryableErrorsCarryRetryInfo(t *testing.T) {
	for _, c := range []struct {
		err  error
		code codes.Code
	}{
		{fmt.Errorf("down: %w", ErrUnavailable), codes.Unavailable},
		{ErrBusy, codes.ResourceExhausted},
	} {
		client := startGRPC(t, &sinkWriter{err: c.err})
		_, err := client.Export(context.Background(), ptraceotlp.NewExportRequestFromTraces(lambdaTraces(1, 0)))
		st := status.Convert(err)
		if st.Code() != c.code {
			t.Errorf("%v: code %s, want %s", c.err, st.Code(), c.code)
		}
		found := false
		for _, d := range st.Details() {
			if _, ok := d.(*errdetails.RetryInfo); ok {
				found = true
			}
		}
		if !found {
			t.Errorf("%v: no RetryInfo detail", c.err)
		}
	}
}

func TestGRPCRejectsOversizedMessages(t *testing.T) {
	client := startGRPC(t, &sinkWriter{})
	td := lambdaTraces(1, 0)
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().PutStr("big", strings.Repeat("x", 300<<10))
	_, err := client.Export(context.Background(), ptraceotlp.NewExportRequestFromTraces(td))
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("oversized message: %v, want RESOURCE_EXHAUSTED", err)
	}
}
