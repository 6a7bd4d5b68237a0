package analyzer

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/faascope/faascope/analyzer/keepwarm"
)

// SaveRecommendations stores one run's recommendations (table
// recommendations, migration 0011). Saving the same run again replaces its
// rows, so a retried job does not double them.
func (r *Reader) SaveRecommendations(ctx context.Context, recs []FunctionRecommendation) error {
	if len(recs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	batch, err := r.conn.PrepareBatch(ctx, `INSERT INTO recommendations (tenant, provider, account_id, region,
		function_name, run_id, created, action, reason, confidence, cold_starts_avoided_month, added_cost_month_usd, body)`)
	if err != nil {
		return fmt.Errorf("cannot prepare the recommendations insert: %w", err)
	}
	for _, rec := range recs {
		body, err := json.Marshal(rec.Recommendation)
		if err != nil {
			return fmt.Errorf("cannot encode the recommendation of %s: %w", rec.ID, err)
		}
		x := rec.Recommendation
		if err := batch.Append(rec.Tenant, rec.Provider, rec.AccountID, rec.Region, rec.FunctionName, rec.RunID,
			rec.Created.UTC(), x.Action, x.Reason, x.Confidence, x.ColdStartsAvoidedPerMonth, x.AddedCostPerMonthUSD, string(body)); err != nil {
			return fmt.Errorf("cannot add the recommendation of %s: %w", rec.ID, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot store %d recommendations: %w", len(recs), err)
	}
	return nil
}

// RecommendationMaxAge bounds how old a stored recommendation may be to be
// served: the recommender runs hourly, so a month-old one describes traffic
// that has changed.
const RecommendationMaxAge = 30 * 24 * time.Hour

// latestQuery takes each function's most recent recommendation.
const latestQuery = `
SELECT provider, account_id, region, function_name,
       argMax(run_id, created), max(created), argMax(body, created)
FROM recommendations
WHERE %s AND created >= ?
GROUP BY provider, account_id, region, function_name
ORDER BY argMax(cold_starts_avoided_month, created) DESC, function_name
LIMIT ?`

// Recommendations returns the latest recommendation of each function
// matching f (its range is ignored; recommendations up to
// RecommendationMaxAge before now count), the most cold starts avoided
// first, at most limit. action, when set, keeps one action.
func (r *Reader) Recommendations(ctx context.Context, f Filter, action string, limit int, now time.Time) ([]FunctionRecommendation, error) {
	if f.Tenant == "" {
		return nil, invalid("tenant is required")
	}
	if limit <= 0 || limit > MaxPageSize {
		return nil, invalid("limit: must be between 1 and %d", MaxPageSize)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	f.Platform, f.Version = "", "" // not recorded with a recommendation
	where, args := f.where()
	var out []FunctionRecommendation
	var rec FunctionRecommendation
	var body string
	dest := []any{&rec.Provider, &rec.AccountID, &rec.Region, &rec.FunctionName, &rec.RunID, &rec.Created, &body}
	var decodeErr error
	err := r.each(ctx, "recommendations", fmt.Sprintf(latestQuery, where), append(args, now.Add(-RecommendationMaxAge), MaxFunctions),
		dest, func() {
			rec.ID, rec.Tenant, rec.Recommendation = rec.FunctionKey.ID(), f.Tenant, keepwarm.Recommendation{}
			if err := json.Unmarshal([]byte(body), &rec.Recommendation); err != nil {
				decodeErr = fmt.Errorf("cannot decode the stored recommendation of %s: %w", rec.ID, err)
			}
			if action == "" || rec.Recommendation.Action == action {
				out = append(out, rec)
			}
		})
	if err == nil {
		err = decodeErr
	}
	return out[:min(len(out), limit)], err
}
