package dashboard

import (
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/faascope/faascope/analyzer"
)

func (s *Server) costs(c *gin.Context) (any, error) {
	from, to, err := s.costRange(c)
	if err != nil {
		return nil, err
	}
	group, err := enumParam(c, "group_by", analyzer.CostGroupBy, analyzer.CostGroupBy[0])
	if err != nil {
		return nil, err
	}
	f := withIdentity(c, analyzer.Filter{Tenant: c.GetString(tenantKey), From: from, To: to})
	r, err := s.deps.Analyzer.Costs(c.Request.Context(), analyzer.CostQuery{Filter: f, GroupBy: group})
	if err != nil {
		return nil, fmt.Errorf("cannot compute costs: %w", err)
	}
	return r, nil
}

// costRange is the part of one UTC calendar month a cost question covers:
// free tiers and volume tiers are monthly, so a range across months has no
// single answer. ?month= gives the whole month (up to now for the current
// one); ?from=&to= must lie inside one month; neither gives this month so far.
func (s *Server) costRange(c *gin.Context) (time.Time, time.Time, error) {
	now := s.deps.Now().UTC()
	month := c.Query("month")
	switch {
	case month != "" && (c.Query("from") != "" || c.Query("to") != ""):
		return time.Time{}, time.Time{}, badRequest("give month or from/to, not both")
	case month != "":
		start, err := parseMonth(month, now)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		end := start.AddDate(0, 1, 0)
		if end.After(now) {
			end = now
		}
		return start, end, nil
	case c.Query("from") == "" && c.Query("to") == "":
		return monthStart(now), now, nil
	}
	from, to, err := s.timeRange(c)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	// to is exclusive: a range ending on the next month's first instant is one month.
	if !monthStart(from).Equal(monthStart(to.Add(-time.Nanosecond))) {
		return time.Time{}, time.Time{}, badRequest(fmt.Sprintf(
			"from %s and to %s span more than one calendar month (UTC): costs are monthly; use month=YYYY-MM for a whole month",
			from.Format(time.RFC3339), to.Format(time.RFC3339)))
	}
	return from, to, nil
}

func (s *Server) projection(c *gin.Context) (any, error) {
	now := s.deps.Now().UTC()
	start := monthStart(now)
	if month := c.Query("month"); month != "" {
		m, err := parseMonth(month, now)
		if err != nil {
			return nil, err
		}
		if !m.Equal(start) {
			return nil, badRequest(fmt.Sprintf("month: only the current month (%s) has a projection; "+
				"use /api/v1/costs?month=%s for the cost of a past month", start.Format("2006-01"), month))
		}
	}
	f := withIdentity(c, analyzer.Filter{Tenant: c.GetString(tenantKey), From: start, To: now})
	r, err := s.deps.Analyzer.Projection(c.Request.Context(), f, now)
	if err != nil {
		return nil, fmt.Errorf("cannot project this month's cost: %w", err)
	}
	return r, nil
}
