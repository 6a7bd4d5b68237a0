package collector

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	_ "google.golang.org/grpc/encoding/gzip" // registers the gzip decompressor exporters use
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/faascope/faascope/internal/auth"
)

// retryAfter is the back-off suggested to exporters when we cannot take more.
const retryAfter = 5 * time.Second

// GRPCReceiver serves OTLP TraceService/Export.
type GRPCReceiver struct {
	ptraceotlp.UnimplementedGRPCServer
	addr    string
	ingest  *Ingester
	limits  LimitsConfig
	tls     *tls.Config
	logger  *slog.Logger
	server  *grpc.Server
	lis     net.Listener
	stopped chan struct{}
}

// NewGRPCReceiver returns a receiver for addr; Start binds it.
func NewGRPCReceiver(addr string, limits LimitsConfig, in *Ingester, set Settings) *GRPCReceiver {
	return &GRPCReceiver{addr: addr, ingest: in, limits: limits, tls: set.TLS, logger: set.logger().With("component", "otlp-grpc")}
}

// Start binds the address and serves in the background.
func (r *GRPCReceiver) Start() error {
	lis, err := net.Listen("tcp", r.addr)
	if err != nil {
		return fmt.Errorf("cannot listen for OTLP gRPC on %s: %w", r.addr, err)
	}
	// grpc checks MaxRecvMsgSize against the decompressed message, so a gzip
	// bomb is cut off at the decompressed limit.
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(int(r.limits.MaxDecompressedBytes)),
		// Refuse before the message is read and decoded when every export
		// slot is taken, so a flood of calls cannot grow the heap; Export
		// still takes its slot for real once the message is decoded.
		grpc.InTapHandle(func(ctx context.Context, _ *tap.Info) (context.Context, error) {
			if r.ingest.saturated() {
				return ctx, status.Error(codes.ResourceExhausted, "too many exports in progress; retry later")
			}
			return ctx, nil
		}),
	}
	if r.tls != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(r.tls)))
	}
	r.server = grpc.NewServer(opts...)
	ptraceotlp.RegisterGRPCServer(r.server, r)
	r.lis, r.stopped = lis, make(chan struct{})
	go func() {
		defer close(r.stopped)
		if err := r.server.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			r.logger.Error("OTLP gRPC server stopped", "err", err)
		}
	}()
	r.logger.Info("OTLP gRPC receiver listening", "addr", lis.Addr().String())
	return nil
}

// Addr is the bound address (useful when configured with port 0).
func (r *GRPCReceiver) Addr() string { return r.lis.Addr().String() }

// Shutdown stops accepting calls and waits for running ones, up to ctx.
func (r *GRPCReceiver) Shutdown(ctx context.Context) error {
	if r.server == nil {
		return nil
	}
	done := make(chan struct{})
	go func() { r.server.GracefulStop(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		r.server.Stop()
		return fmt.Errorf("cannot drain OTLP gRPC calls: %w", ctx.Err())
	}
}

// Export implements ptraceotlp.GRPCServer.
func (r *GRPCReceiver) Export(ctx context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	var header string
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get("authorization"); len(v) > 0 {
			header = v[0]
		}
	}
	tenant, err := r.ingest.Authorize(header)
	if err != nil {
		r.ingest.stats.requests.WithLabelValues("grpc", grpcCode(err).String()).Inc()
		return ptraceotlp.NewExportResponse(), grpcError(err)
	}
	release, err := r.ingest.acquire()
	if err != nil {
		r.ingest.stats.requests.WithLabelValues("grpc", grpcCode(err).String()).Inc()
		return ptraceotlp.NewExportResponse(), grpcError(err)
	}
	defer release()
	res, err := r.ingest.Ingest(ctx, "grpc", tenant, req.Traces())
	if err != nil {
		r.ingest.stats.requests.WithLabelValues("grpc", grpcCode(err).String()).Inc()
		return ptraceotlp.NewExportResponse(), grpcError(err)
	}
	r.ingest.stats.requests.WithLabelValues("grpc", codes.OK.String()).Inc()
	resp := ptraceotlp.NewExportResponse()
	if res.Rejected > 0 {
		resp.PartialSuccess().SetRejectedSpans(int64(res.Rejected))
		resp.PartialSuccess().SetErrorMessage(res.Message)
	}
	return resp, nil
}

func grpcCode(err error) codes.Code {
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		return codes.Unauthenticated
	case errors.Is(err, auth.ErrForbidden):
		return codes.PermissionDenied
	case errors.Is(err, errTooManySpans):
		return codes.InvalidArgument
	case errors.Is(err, ErrBusy):
		return codes.ResourceExhausted
	case isRetryable(err):
		return codes.Unavailable
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	default:
		return codes.Internal
	}
}

// grpcError maps an ingest error to the status OTLP exporters understand:
// UNAVAILABLE and RESOURCE_EXHAUSTED (with RetryInfo) are retried, the rest not.
func grpcError(err error) error {
	code := grpcCode(err)
	st := status.New(code, err.Error())
	if code == codes.Unavailable || code == codes.ResourceExhausted {
		if withInfo, derr := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(retryAfter)}); derr == nil {
			st = withInfo
		}
	}
	return st.Err()
}
