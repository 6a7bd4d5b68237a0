// Command otlpsink is a decode-and-discard OTLP trace receiver: the ceiling
// that bench/ingest.sh compares faascope's end-to-end rate with. It accepts
// what faascope accepts (gRPC, HTTP protobuf and JSON, gzip), decodes every
// request fully, counts the spans, and stores nothing.
package main

import (
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip" // accept gzip-compressed gRPC
)

var spans atomic.Int64

type traceServer struct {
	ptraceotlp.UnimplementedGRPCServer
}

func (*traceServer) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	spans.Add(int64(req.Traces().SpanCount()))
	return ptraceotlp.NewExportResponse(), nil
}

func handleHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = http.MaxBytesReader(w, r.Body, 64<<20)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := ptraceotlp.NewExportRequest()
	resp := ptraceotlp.NewExportResponse()
	var out []byte
	if r.Header.Get("Content-Type") == "application/json" {
		err = req.UnmarshalJSON(raw)
		out, _ = resp.MarshalJSON()
	} else {
		err = req.UnmarshalProto(raw)
		out, _ = resp.MarshalProto()
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	spans.Add(int64(req.Traces().SpanCount()))
	w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
	_, _ = w.Write(out)
}

func main() {
	grpcAddr := flag.String("grpc", "127.0.0.1:14317", "gRPC listen address")
	httpAddr := flag.String("http", "127.0.0.1:14318", "HTTP listen address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	l, err := net.Listen("tcp", *grpcAddr)
	if err != nil {
		slog.Error("cannot listen", "addr", *grpcAddr, "err", err)
		os.Exit(1)
	}
	gs := grpc.NewServer(grpc.MaxRecvMsgSize(64 << 20))
	ptraceotlp.RegisterGRPCServer(gs, &traceServer{})
	go func() { _ = gs.Serve(l) }()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", handleHTTP)
	hs := &http.Server{Addr: *httpAddr, Handler: mux}
	go func() { _ = hs.ListenAndServe() }()
	slog.Info("otlpsink listening", "grpc", *grpcAddr, "http", *httpAddr)

	<-ctx.Done()
	gs.Stop()
	_ = hs.Close()
	fmt.Println("spans", spans.Load())
}
