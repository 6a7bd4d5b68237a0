package collector

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// TracesPath is the OTLP/HTTP traces endpoint.
const TracesPath = "/v1/traces"

const (
	contentProto = "application/x-protobuf"
	contentJSON  = "application/json"
)

// HTTPReceiver serves OTLP/HTTP POST /v1/traces, protobuf and JSON, optionally gzip.
type HTTPReceiver struct {
	addr    string
	ingest  *Ingester
	limits  LimitsConfig
	tls     *tls.Config
	logger  *slog.Logger
	server  *http.Server
	lis     net.Listener
	stopped chan struct{}
}

// NewHTTPReceiver returns a receiver for addr; Start binds it.
func NewHTTPReceiver(addr string, limits LimitsConfig, in *Ingester, set Settings) *HTTPReceiver {
	return &HTTPReceiver{addr: addr, ingest: in, limits: limits, tls: set.TLS, logger: set.logger().With("component", "otlp-http")}
}

// Handler returns the receiver's HTTP handler (also used directly by tests).
func (r *HTTPReceiver) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(TracesPath, r.serveTraces)
	return mux
}

// Start binds the address and serves in the background.
func (r *HTTPReceiver) Start() error {
	lis, err := net.Listen("tcp", r.addr)
	if err != nil {
		return fmt.Errorf("cannot listen for OTLP HTTP on %s: %w", r.addr, err)
	}
	if r.tls != nil {
		lis = tls.NewListener(lis, r.tls)
	}
	r.server = &http.Server{
		Handler:           r.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       r.limits.RequestTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	r.lis, r.stopped = lis, make(chan struct{})
	go func() {
		defer close(r.stopped)
		if err := r.server.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.logger.Error("OTLP HTTP server stopped", "err", err)
		}
	}()
	r.logger.Info("OTLP HTTP receiver listening", "addr", lis.Addr().String())
	return nil
}

// Addr is the bound address.
func (r *HTTPReceiver) Addr() string { return r.lis.Addr().String() }

// Shutdown stops accepting requests and waits for running ones, up to ctx.
func (r *HTTPReceiver) Shutdown(ctx context.Context) error {
	if r.server == nil {
		return nil
	}
	if err := r.server.Shutdown(ctx); err != nil {
		return fmt.Errorf("cannot drain OTLP HTTP requests: %w", err)
	}
	return nil
}

// httpError is an answer other than 200, with the OTLP Status body.
type httpError struct {
	status int
	code   codes.Code
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func (r *HTTPReceiver) serveTraces(w http.ResponseWriter, req *http.Request) {
	contentType := contentProto
	if mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type")); err == nil && mt == contentJSON {
		contentType = contentJSON
	}
	resp, herr := r.handle(req)
	if herr != nil {
		r.ingest.stats.requests.WithLabelValues("http", strconv.Itoa(herr.status)).Inc()
		writeStatus(w, contentType, herr)
		return
	}
	r.ingest.stats.requests.WithLabelValues("http", "200").Inc()
	body, err := marshalResponse(resp, contentType)
	if err != nil {
		writeStatus(w, contentType, &httpError{http.StatusInternalServerError, codes.Internal, err.Error()})
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (r *HTTPReceiver) handle(req *http.Request) (ptraceotlp.ExportResponse, *httpError) {
	if req.Method != http.MethodPost {
		return ptraceotlp.ExportResponse{}, &httpError{http.StatusMethodNotAllowed, codes.Unimplemented,
			fmt.Sprintf("method %s not allowed; use POST", req.Method)}
	}
	// Credentials first: an unauthenticated caller learns nothing else and
	// costs no body read.
	tenant, err := r.ingest.Authorize(req.Header.Get("Authorization"))
	if err != nil {
		return ptraceotlp.ExportResponse{}, ingestHTTPError(err)
	}
	mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil || (mt != contentProto && mt != contentJSON) {
		return ptraceotlp.ExportResponse{}, &httpError{http.StatusUnsupportedMediaType, codes.InvalidArgument,
			fmt.Sprintf("unsupported content type %q; use %s or %s", req.Header.Get("Content-Type"), contentProto, contentJSON)}
	}
	// The slot is taken before the body is read: it bounds the memory of
	// bodies and decoded requests in flight.
	release, err := r.ingest.acquire()
	if err != nil {
		return ptraceotlp.ExportResponse{}, ingestHTTPError(err)
	}
	defer release()
	body, herr := r.readBody(req)
	if herr != nil {
		return ptraceotlp.ExportResponse{}, herr
	}
	exportReq := ptraceotlp.NewExportRequest()
	if mt == contentJSON {
		err = exportReq.UnmarshalJSON(body)
	} else {
		err = exportReq.UnmarshalProto(body)
	}
	if err != nil {
		return ptraceotlp.ExportResponse{}, &httpError{http.StatusBadRequest, codes.InvalidArgument,
			fmt.Sprintf("cannot decode %s body: %v", mt, err)}
	}
	res, err := r.ingest.Ingest(req.Context(), "http", tenant, exportReq.Traces())
	if err != nil {
		return ptraceotlp.ExportResponse{}, ingestHTTPError(err)
	}
	resp := ptraceotlp.NewExportResponse()
	if res.Rejected > 0 {
		resp.PartialSuccess().SetRejectedSpans(int64(res.Rejected))
		resp.PartialSuccess().SetErrorMessage(res.Message)
	}
	return resp, nil
}

func ingestHTTPError(err error) *httpError {
	switch code := grpcCode(err); code {
	case codes.Unauthenticated:
		return &httpError{http.StatusUnauthorized, code, err.Error()}
	case codes.PermissionDenied:
		return &httpError{http.StatusForbidden, code, err.Error()}
	case codes.InvalidArgument:
		return &httpError{http.StatusRequestEntityTooLarge, code, err.Error()}
	case codes.ResourceExhausted:
		return &httpError{http.StatusTooManyRequests, code, err.Error()}
	case codes.Unavailable:
		return &httpError{http.StatusServiceUnavailable, code, err.Error()}
	default:
		return &httpError{http.StatusInternalServerError, code, err.Error()}
	}
}

// readBody reads the body within MaxRequestBytes and, when gzip, inflates it
// within MaxDecompressedBytes.
func (r *HTTPReceiver) readBody(req *http.Request) ([]byte, *httpError) {
	if req.ContentLength > r.limits.MaxRequestBytes {
		return nil, tooLarge("request body", req.ContentLength, r.limits.MaxRequestBytes)
	}
	raw, err := readLimited(req.Body, r.limits.MaxRequestBytes)
	if err != nil {
		return nil, bodyError("request body", err, r.limits.MaxRequestBytes)
	}
	switch enc := strings.ToLower(strings.TrimSpace(req.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return raw, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, &httpError{http.StatusBadRequest, codes.InvalidArgument, "cannot read gzip body: " + err.Error()}
		}
		body, err := readLimited(zr, r.limits.MaxDecompressedBytes)
		if err != nil {
			return nil, bodyError("decompressed body", err, r.limits.MaxDecompressedBytes)
		}
		return body, nil
	default:
		return nil, &httpError{http.StatusUnsupportedMediaType, codes.InvalidArgument,
			fmt.Sprintf("unsupported content encoding %q; use gzip or none", enc)}
	}
}

var errTooLarge = errors.New("too large")

// readLimited reads all of rd, failing with errTooLarge past limit bytes.
func readLimited(rd io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return b, nil
}

func bodyError(what string, err error, limit int64) *httpError {
	if errors.Is(err, errTooLarge) {
		return tooLarge(what, -1, limit)
	}
	return &httpError{http.StatusBadRequest, codes.InvalidArgument, fmt.Sprintf("cannot read %s: %v", what, err)}
}

func tooLarge(what string, size, limit int64) *httpError {
	msg := fmt.Sprintf("%s exceeds the limit of %d bytes", what, limit)
	if size >= 0 {
		msg = fmt.Sprintf("%s of %d bytes exceeds the limit of %d bytes", what, size, limit)
	}
	return &httpError{http.StatusRequestEntityTooLarge, codes.InvalidArgument, msg}
}

func marshalResponse(resp ptraceotlp.ExportResponse, contentType string) ([]byte, error) {
	if contentType == contentJSON {
		return resp.MarshalJSON()
	}
	return resp.MarshalProto()
}

// writeStatus answers with a google.rpc.Status body in the request's
// encoding, as the OTLP/HTTP spec asks for every 4xx and 5xx.
func writeStatus(w http.ResponseWriter, contentType string, e *httpError) {
	st := &spb.Status{Code: int32(e.code), Message: e.msg}
	var body []byte
	if contentType == contentJSON {
		body, _ = protojson.Marshal(st)
	} else {
		body, _ = proto.Marshal(st)
	}
	switch e.status {
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", http.MethodPost)
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="faascope"`)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}
