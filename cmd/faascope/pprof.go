package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// DebugConfig holds diagnostics that are off by default.
type DebugConfig struct {
	// PprofAddr serves Go's /debug/pprof/ profiles on this address when set,
	// e.g. 127.0.0.1:6060. Profiles reveal internals: keep it on loopback.
	PprofAddr string `yaml:"pprof_addr"`
}

func (d DebugConfig) validate() error {
	if d.PprofAddr == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(d.PprofAddr); err != nil {
		return fmt.Errorf("debug.pprof_addr: must be host:port, got %q", d.PprofAddr)
	}
	return nil
}

// pprofServer serves /debug/pprof/ on its own listener, apart from the API.
type pprofServer struct{ srv *http.Server }

func startPprof(addr string, logger *slog.Logger) (*pprofServer, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for pprof on %s: %w", addr, err)
	}
	p := &pprofServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		if err := p.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("pprof server failed", "err", err)
		}
	}()
	logger.Info("pprof listening", "addr", l.Addr().String())
	return p, nil
}

func (p *pprofServer) Shutdown(ctx context.Context) error { return p.srv.Shutdown(ctx) }
