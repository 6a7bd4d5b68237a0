package dashboard

import (
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/schemas"
)

// functionsResponse is the body of GET /api/v1/functions.
type functionsResponse struct {
	From      time.Time                  `json:"from"`
	To        time.Time                  `json:"to"`
	Functions []analyzer.FunctionSummary `json:"functions"`
	Truncated bool                       `json:"truncated"`
}

// timeRange reads ?from=&to= (default: the last DefaultRange up to now).
func (s *Server) timeRange(c *gin.Context) (time.Time, time.Time, error) {
	now := s.deps.Now().UTC()
	to, err := parseTime(c.Query("to"), now, now)
	if err != nil {
		return time.Time{}, time.Time{}, badRequest("to: " + err.Error())
	}
	from, err := parseTime(c.Query("from"), now, to.Add(-s.cfg.DefaultRange))
	if err != nil {
		return time.Time{}, time.Time{}, badRequest("from: " + err.Error())
	}
	switch {
	case !to.After(from):
		return time.Time{}, time.Time{}, badRequest("from must be before to")
	case to.Sub(from) > s.cfg.MaxRange:
		return time.Time{}, time.Time{}, badRequest(fmt.Sprintf("range longer than the maximum of %s", s.cfg.MaxRange))
	case !schemas.InDateTimeRange(from) || !schemas.InDateTimeRange(to):
		return time.Time{}, time.Time{}, badRequest("times must lie between 1970-01-01 and 2106-02-07")
	}
	return from, to, nil
}

func (s *Server) listFunctions(c *gin.Context) (any, error) {
	from, to, err := s.timeRange(c)
	if err != nil {
		return nil, err
	}
	list, err := s.deps.Functions.Functions(c.Request.Context(), analyzer.FunctionFilter{
		Tenant: c.GetString(tenantKey), From: from, To: to,
	})
	if err != nil {
		return nil, fmt.Errorf("cannot list functions: %w", err)
	}
	if list.Functions == nil {
		list.Functions = []analyzer.FunctionSummary{}
	}
	return functionsResponse{From: from, To: to, Functions: list.Functions, Truncated: list.Truncated}, nil
}
