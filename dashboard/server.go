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

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/keepwarm"
	"github.com/faascope/faascope/internal/auth"
)

// Analyzer answers the API's questions. Errors wrapping analyzer.ErrInvalid
// become 400 with their message, analyzer.ErrNotFound 404.
type Analyzer interface {
	// Functions lists the functions matching f, ordered and paged by o.
	Functions(ctx context.Context, f analyzer.Filter, o analyzer.ListOptions) (analyzer.FunctionList, error)
	// Function details one function; analyzer.ErrNotFound when it has no rows in f's range.
	Function(ctx context.Context, f analyzer.Filter, k analyzer.FunctionKey) (analyzer.FunctionDetail, error)
	// Series buckets f's range by step (0: analyzer.ChooseStep); f may be narrowed to one function.
	Series(ctx context.Context, f analyzer.Filter, step time.Duration) (analyzer.Series, error)
	// ColdStarts reports the limit functions with the most cold starts.
	ColdStarts(ctx context.Context, f analyzer.Filter, limit int) (analyzer.ColdStartReport, error)
	// Costs prices one calendar month, or a part of it.
	Costs(ctx context.Context, q analyzer.CostQuery) (analyzer.CostReport, error)
	// Projection forecasts the cost of the month that holds now.
	Projection(ctx context.Context, f analyzer.Filter, now time.Time) (analyzer.ProjectionReport, error)
	// Recommendations returns each matching function's latest keep-warm recommendation.
	Recommendations(ctx context.Context, f analyzer.Filter, action string, limit int, now time.Time) ([]analyzer.FunctionRecommendation, error)
	// Replay compares keep-warm policies on one function's traffic of the window ending now.
	Replay(ctx context.Context, tenant string, k analyzer.FunctionKey, now time.Time, window, train time.Duration, p keepwarm.Params) ([]keepwarm.PolicyResult, keepwarm.Recommendation, error)
}

// Deps are the services behind the API.
type Deps struct {
	Analyzer Analyzer
	// Scheduler lists and runs the jobs; nil when this process has no
	// scheduler role (the job routes then answer 503).
	Scheduler Scheduler
	// Alerts serves the alert routes; nil: they answer 503.
	Alerts AlertService
	// Reports makes, stores and serves the monthly billing reports; nil:
	// the report routes answer 503.
	Reports ReportService
	// Ready reports whether faascope can serve (storage reachable). Nil: always ready.
	Ready func(ctx context.Context) error
	// Gatherer serves /metrics (nil: no /metrics), joined by the
	// per-function gauges of Config.FunctionMetrics.
	Gatherer prometheus.Gatherer
	Logger   *slog.Logger
	Now      func() time.Time    // nil: time.Now
	Auth     *auth.Authenticator // nil: no authentication
}

// Server is the API HTTP server.
type Server struct {
	cfg       Config
	deps      Deps
	logger    *slog.Logger
	gatherer  prometheus.Gatherer // deps.Gatherer plus fnMetrics; nil: no /metrics
	fnMetrics *functionMetrics    // nil when disabled
	http      *http.Server
	lis       net.Listener
}

// New builds the server; Start binds it.
func New(cfg Config, deps Deps) *Server {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	s := &Server{cfg: cfg, deps: deps, logger: deps.Logger.With("component", "api"), gatherer: deps.Gatherer}
	if deps.Gatherer != nil && deps.Analyzer != nil && cfg.FunctionMetrics.Enabled() {
		// A registry of its own: the gauges are API output, not faascope's
		// self-metrics, and the caller's registry stays untouched.
		reg := prometheus.NewRegistry()
		s.fnMetrics = newFunctionMetrics(cfg.FunctionMetrics, deps.Analyzer, deps.Now, s.logger, reg)
		s.gatherer = prometheus.Gatherers{deps.Gatherer, reg}
	}
	return s
}

// Handler returns the routes (also used directly by tests).
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// Function ids may hold escaped slashes: route on the raw path, then unescape.
	r.UseRawPath, r.UnescapePathValues = true, true
	r.Use(gin.Recovery())
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.readyz)
	r.GET("/api/v1/openapi.json", serveOpenAPI)
	if s.gatherer != nil {
		r.GET("/metrics", s.authorize, s.metrics)
	}
	v1 := r.Group("/api/v1", s.authorize)
	for _, rt := range s.apiRoutes() {
		if rt.method == http.MethodGet {
			v1.GET(rt.path, s.handle(rt))
		} else {
			v1.Handle(rt.method, rt.path, s.authorizeAdmin, s.handle(rt))
		}
	}
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
	if s.fnMetrics != nil {
		s.fnMetrics.start()
	}
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
	var errs []error
	if err := s.http.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("cannot drain API requests: %w", err))
	}
	if s.fnMetrics != nil {
		errs = append(errs, s.fnMetrics.shutdown(ctx))
	}
	return errors.Join(errs...)
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
func (s *Server) authorize(c *gin.Context) { s.require(c, auth.ScopeRead) }

// authorizeAdmin requires an "admin" token, for routes that operate faascope.
func (s *Server) authorizeAdmin(c *gin.Context) { s.require(c, auth.ScopeAdmin) }

func (s *Server) require(c *gin.Context, scope auth.Scope) {
	p, err := s.deps.Auth.Authenticate(c.GetHeader("Authorization"), scope)
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
