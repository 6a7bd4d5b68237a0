package analyzer

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/faascope/faascope/billing"
)

// projectionDays is how much daily history feeds the forecast (the
// forecaster fits the last four weeks; billing.ProjectMonth).
const projectionDays = 28

// Projection forecasts the month containing now: month-to-date cost and the
// month-end total with a low/high band, per function matching f, per
// account and in total. Each usage dimension (requests, billed MB-ms, INIT
// MB-ms, billed ms) is projected from daily history, then the actual,
// expected, low and high usage are priced like a bill, free tier and volume
// tiers included: dollars are not additive, usage is.
func (r *Reader) Projection(ctx context.Context, f Filter, now time.Time) (ProjectionReport, error) {
	now = now.UTC().Truncate(time.Second)
	today := now.Truncate(24 * time.Hour)
	monthStart := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	histStart := today.AddDate(0, 0, -projectionDays)
	if monthStart.Before(histStart) { // the month so far must be in the history
		histStart = monthStart
	}
	f.From, f.To = histStart, now
	if err := f.Validate(); err != nil {
		return ProjectionReport{}, invalid("%v", err)
	}
	keep, err := lineMatcher(f)
	if err != nil {
		return ProjectionReport{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	rows, err := r.usage(ctx, f.billedWith(), usageSpec{function: true, platform: true, version: true, timeKey: dayKey})
	if err != nil {
		return ProjectionReport{}, err
	}
	lines := projectLines(rows, histStart, today, now)
	bills, err := r.priceScenarios(lines, monthStart)
	if err != nil {
		return ProjectionReport{}, err
	}
	rep := ProjectionReport{Month: monthStart, AsOf: now, Method: methods(lines)}
	rep.Functions, rep.Accounts, rep.Total = projectionRows(lines, bills, keep)
	return rep, nil
}

// projected are the usage columns a bill is priced from, each projected on
// its own: requests, billed MB-ms, billed INIT MB-ms and billed ms (CPU).
var projected = []func(*Usage) *uint64{
	func(u *Usage) *uint64 { return &u.Invocations },
	func(u *Usage) *uint64 { return &u.BilledMBms },
	func(u *Usage) *uint64 { return &u.InitBilledMBms },
	func(u *Usage) *uint64 { return &u.BilledMs },
}

// Indexes into projected that say whether a line was in use on a day.
const (
	projRequests = 0
	projBilledMs = 3
)

// projectedLine is one billing line (a function in one configuration) with
// a forecast of each column of projected.
type projectedLine struct {
	usageKey
	row       usageRow // for the filter
	forecasts []billing.Forecast
}

// lineSeries is one line's daily history of each projected column, and
// today so far.
type lineSeries struct {
	row   usageRow
	days  [][]float64
	today []float64
}

// projectLines groups daily rows by line and forecasts every column.
func projectLines(rows []usageRow, histStart, today, now time.Time) []projectedLine {
	n := int(today.Sub(histStart) / (24 * time.Hour))
	byLine := map[usageKey]*lineSeries{}
	for _, row := range rows {
		k := row.usageKey
		k.TimeKey = 0
		s := byLine[k]
		if s == nil {
			s = &lineSeries{row: row, days: make([][]float64, len(projected)), today: make([]float64, len(projected))}
			for d := range s.days {
				s.days[d] = make([]float64, n)
			}
			byLine[k] = s
		}
		day := dayOfKey(row.TimeKey)
		i := int(day.Sub(histStart) / (24 * time.Hour))
		for d, col := range projected {
			v := float64(*col(&row.Usage))
			switch {
			case i >= 0 && i < n:
				s.days[d][i] += v
			case day.Equal(today):
				s.today[d] += v
			}
		}
	}
	out := make([]projectedLine, 0, len(byLine))
	for k, s := range byLine {
		// Days before a line's first use are not zero usage, they are before
		// it existed: a function deployed mid-window must not look declining.
		first := firstUsed(s.days[projRequests], s.days[projBilledMs])
		start := histStart.AddDate(0, 0, first)
		l := projectedLine{usageKey: k, row: s.row, forecasts: make([]billing.Forecast, len(projected))}
		for d := range projected {
			l.forecasts[d] = billing.ProjectMonth(s.days[d][first:], start, s.today[d], now)
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out
}

// firstUsed is the index of the first day with any requests or billed time.
func firstUsed(requests, billed []float64) int {
	for i := range requests {
		if requests[i] > 0 || billed[i] > 0 {
			return i
		}
	}
	return len(requests)
}

// dayOfKey reads a YYYYMMDD time key.
func dayOfKey(k uint32) time.Time {
	return time.Date(int(k/10000), time.Month(k/100%100), int(k%100), 0, 0, 0, 0, time.UTC)
}

// scenario picks one figure of a forecast: actual, total, low or high.
type scenario func(billing.Forecast) float64

var scenarios = []scenario{
	func(f billing.Forecast) float64 { return f.Actual },
	func(f billing.Forecast) float64 { return f.Total },
	func(f billing.Forecast) float64 { return f.TotalLow },
	func(f billing.Forecast) float64 { return f.TotalHigh },
}

// priceScenarios prices the month's usage under each scenario, so the free
// tier and volume tiers apply to each as they would on the bill.
func (r *Reader) priceScenarios(lines []projectedLine, month time.Time) ([]billing.Bill, error) {
	bills := make([]billing.Bill, len(scenarios))
	for si, pick := range scenarios {
		rows := make([]usageRow, len(lines))
		for i, l := range lines {
			rows[i].usageKey = l.usageKey
			rows[i].TimeKey = uint32(month.Year()*100 + int(month.Month()))
			for d, col := range projected {
				*col(&rows[i].Usage) = roundUsage(pick(l.forecasts[d]))
			}
		}
		b, err := r.prices.Price(usageLines(rows), r.freeTier)
		if err != nil {
			return nil, fmt.Errorf("cannot price projected usage: %w", err)
		}
		bills[si] = b
	}
	return bills, nil
}

func roundUsage(v float64) uint64 { return uint64(math.Round(max(v, 0))) }

// projectionRows sums the priced scenarios per function, per account and
// in total, over the lines the filter keeps.
func projectionRows(lines []projectedLine, bills []billing.Bill, keep func(usageRow) bool) (fns, accounts []ProjectionRow, total ProjectionRow) {
	byFn, byAcc := map[string]*ProjectionRow{}, map[string]*ProjectionRow{}
	total.Key = "total"
	for i, l := range lines {
		if !keep(l.row) {
			continue
		}
		for _, row := range []*ProjectionRow{rowFor(byFn, l.ID()), rowFor(byAcc, l.Provider+":"+l.AccountID), &total} {
			row.ActualUSD += bills[0].Lines[i].Total
			row.ProjectedUSD += bills[1].Lines[i].Total
			row.ProjectedLowUSD += bills[2].Lines[i].Total
			row.ProjectedHighUSD += bills[3].Lines[i].Total
		}
	}
	projected := func(r *ProjectionRow) float64 { return r.ProjectedUSD }
	return byCost(byFn, projected), byCost(byAcc, projected), total
}

func rowFor(m map[string]*ProjectionRow, key string) *ProjectionRow {
	if m[key] == nil {
		m[key] = &ProjectionRow{Key: key}
	}
	return m[key]
}

// methods names the forecast methods used, most common first.
func methods(lines []projectedLine) string {
	count := map[string]int{}
	for _, l := range lines {
		count[l.forecasts[projRequests].Method]++
	}
	names := make([]string, 0, len(count))
	for m := range count {
		names = append(names, m)
	}
	sort.Slice(names, func(i, j int) bool {
		if count[names[i]] != count[names[j]] {
			return count[names[i]] > count[names[j]]
		}
		return names[i] < names[j]
	})
	return strings.Join(names, ", ")
}
