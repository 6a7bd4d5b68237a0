package analyzer

import (
	"fmt"
	"time"
)

// Steps are the bucket sizes a time series may use. A fixed list keeps
// buckets aligned to clock boundaries and keeps request text out of SQL.
var Steps = []time.Duration{
	time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 3 * time.Hour,
	6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// MaxPoints bounds a series; TargetPoints is what ChooseStep aims below.
const (
	MaxPoints    = 1500
	TargetPoints = 200
)

// ChooseStep picks the smallest step that keeps a range under TargetPoints buckets.
func ChooseStep(d time.Duration) time.Duration {
	for _, s := range Steps {
		if d/s <= TargetPoints {
			return s
		}
	}
	return Steps[len(Steps)-1]
}

// checkStep accepts a step from Steps that keeps a range under MaxPoints.
func checkStep(step, d time.Duration) error {
	for _, s := range Steps {
		if s == step {
			if d/s > MaxPoints {
				return invalid("step %s gives more than %d points over %s", step, MaxPoints, d)
			}
			return nil
		}
	}
	return invalid("step %s is not one of %s", step, fmt.Sprint(Steps))
}
