package dashboard

import (
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/faascope/faascope/analyzer"
)

// span is the range an answer covers, as the caller sent it.
type span struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// functionsResponse is the body of GET /api/v1/functions.
type functionsResponse struct {
	span
	Total     int                        `json:"total"`
	Functions []analyzer.FunctionSummary `json:"functions"`
	Truncated bool                       `json:"truncated"`
	Limit     int                        `json:"limit"`
	Offset    int                        `json:"offset"`
}

// functionResponse is the body of GET /api/v1/functions/{id}: the detail
// with the range it covers.
type functionResponse struct {
	span
	analyzer.FunctionDetail
}

func (s *Server) listFunctions(c *gin.Context) (any, error) {
	f, err := s.filter(c)
	if err != nil {
		return nil, err
	}
	o, err := listOptions(c)
	if err != nil {
		return nil, err
	}
	list, err := s.deps.Analyzer.Functions(c.Request.Context(), f, o)
	if err != nil {
		return nil, fmt.Errorf("cannot list functions: %w", err)
	}
	return functionsResponse{span: span{f.From, f.To}, Total: list.Total, Functions: list.Functions,
		Truncated: list.Truncated, Limit: o.Limit, Offset: o.Offset}, nil
}

func (s *Server) function(c *gin.Context) (any, error) {
	k, f, err := s.functionScope(c)
	if err != nil {
		return nil, err
	}
	d, err := s.deps.Analyzer.Function(c.Request.Context(), f, k)
	if err != nil {
		return nil, fmt.Errorf("cannot read function %s: %w", k.ID(), err)
	}
	return functionResponse{span: span{f.From, f.To}, FunctionDetail: d}, nil
}

func (s *Server) functionSeries(c *gin.Context) (any, error) {
	k, f, err := s.functionScope(c)
	if err != nil {
		return nil, err
	}
	step, err := stepParam(c)
	if err != nil {
		return nil, err
	}
	series, err := s.deps.Analyzer.Series(c.Request.Context(), f.ForFunction(k), step)
	if err != nil {
		return nil, fmt.Errorf("cannot read the series of function %s: %w", k.ID(), err)
	}
	return series, nil
}

// functionScope reads the {id} path segment (analyzer.FunctionKey.ID()) and
// the scope.
func (s *Server) functionScope(c *gin.Context) (analyzer.FunctionKey, analyzer.Filter, error) {
	k, err := analyzer.ParseFunctionID(c.Param("id"))
	if err != nil {
		return k, analyzer.Filter{}, badRequest(err.Error())
	}
	f, err := s.scope(c)
	return k, f, err
}
