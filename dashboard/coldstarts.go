package dashboard

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/faascope/faascope/analyzer"
)

// Bounds of ?limit= on /coldstarts: each function carries four breakdowns.
const (
	defaultColdStartLimit = 50
	maxColdStartLimit     = 1000
)

// coldStartsResponse is the body of GET /api/v1/coldstarts.
type coldStartsResponse struct {
	span
	Limit     int                          `json:"limit"`
	Functions []analyzer.ColdStartFunction `json:"functions"`
	Truncated bool                         `json:"truncated"`
}

func (s *Server) coldStarts(c *gin.Context) (any, error) {
	f, err := s.filter(c)
	if err != nil {
		return nil, err
	}
	limit, err := intParam(c, "limit", defaultColdStartLimit, 1, maxColdStartLimit)
	if err != nil {
		return nil, err
	}
	r, err := s.deps.Analyzer.ColdStarts(c.Request.Context(), f, limit)
	if err != nil {
		return nil, fmt.Errorf("cannot report cold starts: %w", err)
	}
	return coldStartsResponse{span: span{f.From, f.To}, Limit: limit, Functions: r.Functions, Truncated: r.Truncated}, nil
}
