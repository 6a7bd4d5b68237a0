package dashboard

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/internal/auth"
)

// FunctionLister is what the function list needs from the analyzer.
type FunctionLister interface {
	Functions(ctx context.Context, f analyzer.FunctionFilter) (analyzer.FunctionList, error)
}

// Deps are the services behind the API.
type Deps struct {
	Functions FunctionLister
	// Ready reports whether faascope can serve (storage reachable). Nil: always ready.
	Ready    func(ctx context.Context) error
	Gatherer prometheus.Gatherer // for /metrics; nil: no /metrics
	Logger   *slog.Logger
	Now      func() time.Time    // nil: time.Now
	Auth     *auth.Authenticator // nil: no authentication
}

// Server is the API HTTP server.
type Server struct {
	cfg    Config
	deps   Deps
	logger *slog.Logger
	http   *http.Server
	lis    net.Listener
}

// New builds the server; Start binds it.
func New(cfg Config, deps Deps) *Server {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	return &Server{cfg: cfg, deps: deps, logger: deps.Logger.With("component", "api")}
}

// Handler returns the routes (also used directly by tests).
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.readyz)
	if s.deps.Gatherer != nil {
		r.GET("/metrics", s.authorize, gin.WrapH(promhttp.HandlerFor(s.deps.Gatherer, promhttp.HandlerOpts{})))
	}
	v1 := r.Group("/api/v1", s.authorize)
	v1.GET("/functions", handle(s.listFunctions))
	r.NoRoute(func(c *gin.Context) {
		writeError(c, &apiError{http.StatusNotFound, "not_found", "no route " + c.Request.URL.Path})
	})
	r.NoMethod(func(c *gin.Context) {
		writeError(c, &apiError{http.StatusMethodNotAllowed, "method_not_allowed", c.Request.Method + " not allowed"})
	})
	r.HandleMethodNotAllowed = true
	return r
}

// Start binds the address and serves in the background.
func (s *Server) Start() error {
	lis, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen for the API on %s: %w", s.cfg.Addr, err)
	}
	if s.cfg.TLS.Enabled() {
		tlsCfg, err := s.cfg.TLS.ServerConfig()
		if err != nil {
			lis.Close()
			return fmt.Errorf("cannot serve the API over TLS: %w", err)
		}
		lis = tls.NewListener(lis, tlsCfg)
	}
	s.lis = lis
	s.http = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 2 * time.Minute}
	go func() {
		if err := s.http.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("API server stopped", "err", err)
		}
	}()
	s.logger.Info("API listening", "addr", lis.Addr().String())
	return nil
}

// Addr is the bound address.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// Shutdown stops the server, waiting for running requests up to ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.http == nil {
		return nil
	}
	if err := s.http.Shutdown(ctx); err != nil {
		return fmt.Errorf("cannot drain API requests: %w", err)
	}
	return nil
}

func (s *Server) readyz(c *gin.Context) {
	if s.deps.Ready != nil {
		if err := s.deps.Ready(c.Request.Context()); err != nil {
			writeError(c, &apiError{http.StatusServiceUnavailable, "unavailable", err.Error()})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// tenantKey is where authorize leaves the caller's tenant in the gin context.
const tenantKey = "faascope.tenant"

// authorize requires a "read" token when tokens are configured and records
// the token's tenant: every query is limited to it.
func (s *Server) authorize(c *gin.Context) {
	p, err := s.deps.Auth.Authenticate(c.GetHeader("Authorization"), auth.ScopeRead)
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		c.Header("WWW-Authenticate", `Bearer realm="faascope"`)
		writeError(c, &apiError{http.StatusUnauthorized, "unauthenticated", err.Error()})
	case errors.Is(err, auth.ErrForbidden):
		writeError(c, &apiError{http.StatusForbidden, "forbidden", err.Error()})
	case err != nil:
		writeError(c, toAPIError(err))
	default:
		c.Set(tenantKey, p.Tenant)
	}
}
