package dashboard

import (
	"fmt"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/keepwarm"
)

// Bounds of the recommendation routes.
const (
	defaultRecommendationLimit = 100
	defaultReplayWindow        = 14 * 24 * time.Hour // keepwarm.md §5.1
	defaultReplayTrain         = 7 * 24 * time.Hour  // §6.1: train on week 1, score week 2
	maxReplayWindow            = 35 * 24 * time.Hour
)

// actions are the values ?action= accepts.
var actions = []string{keepwarm.ActionNone, keepwarm.ActionPhasePing, keepwarm.ActionPing, keepwarm.ActionPing24x7,
	keepwarm.ActionProvisioned, keepwarm.ActionProvisionedPing, keepwarm.ActionAlwaysReady, keepwarm.ActionMinInstances}

// recommendationsResponse is the body of GET /api/v1/recommendations.
type recommendationsResponse struct {
	Recommendations []analyzer.FunctionRecommendation `json:"recommendations"`
}

func (s *Server) recommendations(c *gin.Context) (any, error) {
	f := withIdentity(c, analyzer.Filter{Tenant: c.GetString(tenantKey)})
	action := c.Query("action")
	if action != "" && !slices.Contains(actions, action) {
		return nil, badRequest(fmt.Sprintf("action: %q is not one of %v", action, actions))
	}
	limit, err := intParam(c, "limit", defaultRecommendationLimit, 1, analyzer.MaxPageSize)
	if err != nil {
		return nil, err
	}
	recs, err := s.deps.Analyzer.Recommendations(c.Request.Context(), f, action, limit, s.deps.Now())
	if err != nil {
		return nil, fmt.Errorf("cannot read recommendations: %w", err)
	}
	return recommendationsResponse{Recommendations: recs}, nil
}

// functionRecommendation is GET /api/v1/functions/{id}/recommendation: the
// latest one, 404 when the recommender has not seen the function.
func (s *Server) functionRecommendation(c *gin.Context) (any, error) {
	k, err := analyzer.ParseFunctionID(c.Param("id"))
	if err != nil {
		return nil, badRequest(err.Error())
	}
	f := analyzer.Filter{Tenant: c.GetString(tenantKey)}.ForFunction(k)
	recs, err := s.deps.Analyzer.Recommendations(c.Request.Context(), f, "", 1, s.deps.Now())
	if err != nil {
		return nil, fmt.Errorf("cannot read the recommendation of %s: %w", k.ID(), err)
	}
	if len(recs) == 0 {
		return nil, &apiError{404, "not_found", "no recommendation for " + k.ID() + " yet: the keepwarm job runs hourly (POST /api/v1/jobs/keepwarm/run runs it now)"}
	}
	return recs[0], nil
}

// replayResponse is the body of GET /api/v1/functions/{id}/replay.
type replayResponse struct {
	Window         string                  `json:"window"`
	Train          string                  `json:"train"`
	Policies       []keepwarm.PolicyResult `json:"policies"`
	Recommendation keepwarm.Recommendation `json:"recommendation"`
}

// replay compares keep-warm policies on the function's own traffic: train
// on the first part of the window ending now, replay the rest.
func (s *Server) replay(c *gin.Context) (any, error) {
	k, err := analyzer.ParseFunctionID(c.Param("id"))
	if err != nil {
		return nil, badRequest(err.Error())
	}
	window, err := durationParam(c, "window", defaultReplayWindow, maxReplayWindow)
	if err != nil {
		return nil, err
	}
	train, err := durationParam(c, "train", min(defaultReplayTrain, window/2), window-time.Minute)
	if err != nil {
		return nil, err
	}
	res, rec, err := s.deps.Analyzer.Replay(c.Request.Context(), c.GetString(tenantKey), k, s.deps.Now(), window, train, keepwarm.DefaultParams())
	if err != nil {
		return nil, fmt.Errorf("cannot replay %s: %w", k.ID(), err)
	}
	return replayResponse{Window: window.String(), Train: train.String(), Policies: res, Recommendation: rec}, nil
}

// durationParam reads ?name= as a duration ("7d", "36h") in (0, hi].
func durationParam(c *gin.Context, name string, def, hi time.Duration) (time.Duration, error) {
	s := c.Query(name)
	if s == "" {
		return def, nil
	}
	d, err := parseRelative(s)
	if err != nil || d <= 0 || d > hi {
		return 0, badRequest(fmt.Sprintf("%s: want a duration up to %s like 7d or 36h, got %q", name, hi, s))
	}
	return d, nil
}
