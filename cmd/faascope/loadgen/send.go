package loadgen

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/encoding/gzip" // registers the gzip compressor
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Protocols a Sender speaks, named as OTEL_EXPORTER_OTLP_PROTOCOL names them.
const (
	ProtocolGRPC      = "grpc"
	ProtocolHTTPProto = "http/protobuf"
	ProtocolHTTPJSON  = "http/json"
)

// Target is where and how to send.
type Target struct {
	Endpoint string // host:port for gRPC; a base URL or host:port for HTTP
	Protocol string
	Gzip     bool
	Headers  map[string]string
	Timeout  time.Duration // per attempt
	// RetryFor bounds how long a retryable refusal is retried; the OTLP
	// exporters' default is 5 minutes.
	RetryFor time.Duration
}

// Sender delivers export requests. Send returns nil only when the receiver
// accepted the request; a partial success is an error, as the truth would
// no longer hold.
type Sender interface {
	Send(ctx context.Context, td ptrace.Traces) error
	Close() error
}

// errRetryable marks a refusal the receiver asked to retry (backpressure).
type errRetryable struct {
	err   error
	after time.Duration
}

func (e *errRetryable) Error() string { return e.err.Error() }
func (e *errRetryable) Unwrap() error { return e.err }

// NewSender connects to t.
func NewSender(t Target) (Sender, error) {
	var s Sender
	switch t.Protocol {
	case ProtocolGRPC:
		cc, err := grpc.NewClient(t.Endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, fmt.Errorf("cannot dial %s: %w", t.Endpoint, err)
		}
		s = &grpcSender{t: t, cc: cc, client: ptraceotlp.NewGRPCClient(cc)}
	case ProtocolHTTPProto, ProtocolHTTPJSON:
		s = &httpSender{t: t, url: tracesURL(t.Endpoint), client: &http.Client{}}
	default:
		return nil, fmt.Errorf("unknown protocol %q (grpc, http/protobuf, http/json)", t.Protocol)
	}
	return &retrying{Sender: s, retryFor: t.RetryFor}, nil
}

// tracesURL is the OTLP/HTTP traces URL of an endpoint, as the SDKs build it
// from OTEL_EXPORTER_OTLP_ENDPOINT.
func tracesURL(endpoint string) string {
	if !strings.Contains(endpoint, "://") {
		endpoint = "http://" + endpoint
	}
	if strings.HasSuffix(endpoint, "/v1/traces") {
		return endpoint
	}
	return strings.TrimRight(endpoint, "/") + "/v1/traces"
}

type grpcSender struct {
	t      Target
	cc     *grpc.ClientConn
	client ptraceotlp.GRPCClient
}

func (s *grpcSender) Send(ctx context.Context, td ptrace.Traces) error {
	ctx, cancel := context.WithTimeout(ctx, s.t.Timeout)
	defer cancel()
	for k, v := range s.t.Headers {
		ctx = metadata.AppendToOutgoingContext(ctx, k, v)
	}
	var opts []grpc.CallOption
	if s.t.Gzip {
		opts = append(opts, grpc.UseCompressor("gzip"))
	}
	resp, err := s.client.Export(ctx, ptraceotlp.NewExportRequestFromTraces(td), opts...)
	if err != nil {
		st, _ := status.FromError(err)
		switch st.Code() {
		case codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded, codes.Aborted:
			return &errRetryable{err: fmt.Errorf("export refused: %w", err)}
		}
		return fmt.Errorf("export failed: %w", err)
	}
	return partial(resp)
}

func (s *grpcSender) Close() error { return s.cc.Close() }

// partial turns a partial success into an error.
func partial(resp ptraceotlp.ExportResponse) error {
	if ps := resp.PartialSuccess(); ps.RejectedSpans() > 0 {
		return fmt.Errorf("receiver rejected %d spans: %s", ps.RejectedSpans(), ps.ErrorMessage())
	}
	return nil
}

type httpSender struct {
	t      Target
	url    string
	client *http.Client
}

func (s *httpSender) Send(ctx context.Context, td ptrace.Traces) error {
	body, ctype, err := s.encode(td)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.t.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("cannot build request: %w", err)
	}
	req.Header.Set("Content-Type", ctype)
	if s.t.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	for k, v := range s.t.Headers {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return &errRetryable{err: fmt.Errorf("export failed: %w", err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &errRetryable{err: fmt.Errorf("cannot read answer: %w", err)}
	}
	return s.answer(resp, ctype, raw)
}

func (s *httpSender) encode(td ptrace.Traces) ([]byte, string, error) {
	req := ptraceotlp.NewExportRequestFromTraces(td)
	var body []byte
	var err error
	ctype := "application/x-protobuf"
	if s.t.Protocol == ProtocolHTTPJSON {
		body, err = req.MarshalJSON()
		ctype = "application/json"
	} else {
		body, err = req.MarshalProto()
	}
	if err != nil {
		return nil, "", fmt.Errorf("cannot encode request: %w", err)
	}
	if !s.t.Gzip {
		return body, ctype, nil
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(body); err != nil {
		return nil, "", fmt.Errorf("cannot compress request: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, "", fmt.Errorf("cannot compress request: %w", err)
	}
	return buf.Bytes(), ctype, nil
}

// answer applies the OTLP/HTTP rules: 200 with a possible partial success;
// 429, 502, 503, 504 retryable (honouring Retry-After); anything else final.
func (s *httpSender) answer(resp *http.Response, ctype string, raw []byte) error {
	switch resp.StatusCode {
	case http.StatusOK:
		out := ptraceotlp.NewExportResponse()
		var err error
		if ctype == "application/json" {
			err = out.UnmarshalJSON(raw)
		} else {
			err = out.UnmarshalProto(raw)
		}
		if err != nil {
			return fmt.Errorf("cannot decode answer: %w", err)
		}
		return partial(out)
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		after, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return &errRetryable{err: fmt.Errorf("export refused: %s: %s", resp.Status, bytes.TrimSpace(raw)), after: time.Duration(after) * time.Second}
	}
	return fmt.Errorf("export failed: %s: %s", resp.Status, bytes.TrimSpace(raw))
}

func (s *httpSender) Close() error { s.client.CloseIdleConnections(); return nil }

// retrying retries what the receiver refused as retryable, with exponential
// backoff (or the receiver's Retry-After), for at most retryFor.
type retrying struct {
	Sender
	retryFor time.Duration
}

func (r *retrying) Send(ctx context.Context, td ptrace.Traces) error {
	deadline := time.Now().Add(r.retryFor)
	backoff := 100 * time.Millisecond
	for {
		err := r.Sender.Send(ctx, td)
		var re *errRetryable
		if err == nil || !errors.As(err, &re) {
			return err
		}
		wait := max(backoff, re.after)
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("gave up after %s: %w", r.retryFor, err)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}
