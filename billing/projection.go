package billing

import (
	"math"
	"time"
)

// Forecast is one usage quantity for the UTC month containing now: what was
// used so far and what the rest of the month will probably add. The quantity
// must be additive (requests, GB-s). Dollars are not: free tiers and volume
// tiers make cost a non-linear function of usage, so callers project each
// usage dimension and price Actual+Expected, TotalLow and TotalHigh through
// the cost model instead of projecting a cost series.
type Forecast struct {
	MonthStart time.Time // first instant of the UTC month containing now
	Actual     float64   // month to date: complete days given in history plus today so far
	Expected   float64   // rest of the month: rest of today plus the remaining days
	// Low and High bound the rest of the month with a nominal 80 % interval
	// (10th and 90th percentiles); 0 <= Low <= Expected <= High.
	Low, High                  float64
	Total, TotalLow, TotalHigh float64 // Actual + Expected, Low, High
	DaysObserved               int     // history days the model was fitted on
	// Method says which model produced Expected: "weekday-weekend",
	// "weekday-weekend+trend", "flat-mean", "flat-mean+trend", "today-rate" (no
	// usable history: today's rate extrapolated) or "insufficient-history"
	// (nothing to go on: zero).
	Method string
}

const (
	// fitDays is how far back the model looks: four whole weeks, so every
	// weekday weighs the same and a trend has room to show.
	fitDays = 28
	// seasonMinDays is the least history that shows a weekday/weekend split.
	seasonMinDays = 7
	// trendMinDays is the least history a trend is fitted on.
	trendMinDays = 14
	// trendMinT is how many standard errors the slope must clear to be used:
	// a flat series should not chase noise.
	trendMinT = 2
	// maxSlope caps the trend at doubling or halving a week (per day, in
	// logs): a steeper trend extrapolated over a month is a guess, and the cap
	// keeps extreme inputs finite.
	maxSlope = math.Ln2 / 7
	// maxDaily caps one day's usage: 10^15 requests or GB-s a day is beyond
	// any real account, and the cap keeps sums finite.
	maxDaily = 1e15
	// bandZ is the standard normal 90th percentile: the band is the central
	// 80 % interval.
	bandZ = 1.2815516
	// todayRateMinElapsed keeps a few seconds of today from being
	// extrapolated to a month.
	todayRateMinElapsed = time.Hour
	// todayRateBand widens the band when only today is known: the rest of the
	// month is taken to lie within [0, todayRateBand × Expected].
	todayRateBand = 2
)

// day is one observed complete day, t days from today (t < 0).
type day struct {
	t       int
	weekend bool
	y       float64
}

// ProjectMonth forecasts the UTC month that contains now from daily history.
// history[i] is the quantity on the UTC day historyStart+i; only days strictly
// before now's day are used, the last fitDays of them for the model, and those
// on or after MonthStart for Actual. Days of this month that history does not
// cover are not in Actual, so callers pass at least the month so far. Days
// missing from the end of history are treated as unknown, not as zero.
// todaySoFar is today's usage up to now. NaN and negative inputs count as 0
// and values above maxDaily as maxDaily; the result is never negative, NaN or
// infinite.
func ProjectMonth(history []float64, historyStart time.Time, todaySoFar float64, now time.Time) Forecast {
	now = now.UTC()
	today := utcDay(now)
	f := Forecast{MonthStart: time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)}
	todaySoFar = clean(todaySoFar)
	days, monthToDate, sum := observe(history, historyStart, today, f.MonthStart)
	f.Actual = monthToDate + todaySoFar
	f.DaysObserved = len(days)

	restOfToday := float64(today.AddDate(0, 0, 1).Sub(now)) / float64(24*time.Hour)
	after := int(f.MonthStart.AddDate(0, 1, 0).Sub(today)/(24*time.Hour)) - 1
	switch {
	case sum > 0:
		fitted := fit(days)
		f.Method = fitted.method()
		f.Expected, f.Low, f.High = fitted.project(today, restOfToday, after, todaySoFar)
	case todaySoFar > 0:
		// A function that started today: its rate so far is all there is.
		f.Method = "today-rate"
		elapsed := max(now.Sub(today), todayRateMinElapsed)
		perDay := todaySoFar / (float64(elapsed) / float64(24*time.Hour))
		f.Expected = perDay * (restOfToday + float64(after))
		f.High = todayRateBand * f.Expected
	default:
		f.Method = "insufficient-history"
	}
	f.Total, f.TotalLow, f.TotalHigh = f.Actual+f.Expected, f.Actual+f.Low, f.Actual+f.High
	return f
}

// observe keeps the complete days before today, the last fitDays of them for
// the fit, and sums the days of this month and the fitted days.
func observe(history []float64, start, today, monthStart time.Time) (days []day, monthToDate, sum float64) {
	start = utcDay(start)
	for i, v := range history {
		d := start.AddDate(0, 0, i)
		t := int(d.Sub(today) / (24 * time.Hour))
		if t >= 0 {
			break
		}
		v = clean(v)
		if !d.Before(monthStart) {
			monthToDate += v
		}
		if t >= -fitDays {
			days = append(days, day{t: t, weekend: isWeekend(d), y: v})
			sum += v
		}
	}
	return days, monthToDate, sum
}

// model is the fitted level, trend and weekday/weekend factors: the expected
// value on day t is level · exp(slope·(t-tMean)) · season[weekend]. The trend
// is multiplicative because usage grows by percentages, not by fixed amounts.
type model struct {
	level, slope, tMean float64
	season              [2]float64 // [weekday, weekend]; 1, 1 without a split
	seasonal, trended   bool
	sigma               float64 // relative standard deviation of one day around the model
	n, params           int     // days in the fit (those with a season factor > 0), parameters fitted
	sxx                 float64 // Σ(t-tMean)², for the slope's uncertainty
}

// fit estimates the model on days (at least one, not all zero).
func fit(days []day) model {
	m := model{season: [2]float64{1, 1}, params: 1}
	if len(days) >= seasonMinDays {
		m.season, m.seasonal = seasonFactors(days)
	}
	var ts, zs []float64 // day offsets and deseasonalised values
	for _, d := range days {
		if s := m.season[b2i(d.weekend)]; s > 0 {
			ts, zs = append(ts, float64(d.t)), append(zs, d.y/s)
		}
	}
	m.n, m.tMean = len(zs), mean(ts)
	for _, t := range ts {
		m.sxx += (t - m.tMean) * (t - m.tMean)
	}
	if len(days) >= trendMinDays {
		m.fitTrend(ts, zs)
	}
	// The level keeps the fitted window's sum: a least-squares fit in logs
	// would aim at the geometric mean, which is low for noisy series.
	var shape float64
	for _, t := range ts {
		shape += math.Exp(m.slope * (t - m.tMean))
	}
	m.level = mean(zs) * float64(m.n) / shape
	m.sigma = m.relativeSpread(ts, zs)
	return m
}

// fitTrend fits a least-squares line to the logs of the deseasonalised days
// and keeps its slope when it clears trendMinT standard errors. A day with no
// usage has no log: such sporadic series get no trend.
func (m *model) fitTrend(ts, zs []float64) {
	if m.n <= 2 || m.sxx == 0 {
		return
	}
	logs := make([]float64, m.n)
	for i, z := range zs {
		if z <= 0 {
			return
		}
		logs[i] = math.Log(z)
	}
	a := mean(logs)
	var sxy, rss float64
	for i, t := range ts {
		sxy += (t - m.tMean) * (logs[i] - a)
	}
	b := sxy / m.sxx
	for i, t := range ts {
		r := logs[i] - a - b*(t-m.tMean)
		rss += r * r
	}
	if se := math.Sqrt(rss / float64(m.n-2) / m.sxx); math.Abs(b) > trendMinT*se {
		m.slope = min(max(b, -maxSlope), maxSlope)
		m.trended, m.params = true, 2
	}
}

// relativeSpread is the standard deviation of the days' relative deviations
// from the model, or 100 % when there are too few days to tell.
func (m *model) relativeSpread(ts, zs []float64) float64 {
	if m.n <= m.params {
		return 1
	}
	var ss float64
	for i, t := range ts {
		r := zs[i]/m.curve(t) - 1
		ss += r * r
	}
	return math.Sqrt(ss / float64(m.n-m.params))
}

// curve is the deseasonalised expected value on day t.
func (m *model) curve(t float64) float64 {
	return m.level * math.Exp(m.slope*(t-m.tMean))
}

// seasonFactors are the weekday and weekend means over the latest whole weeks,
// relative to the weekly mean, so 5·weekday + 2·weekend = 7. They are estimated
// on whole weeks so a trend does not leak into the split.
func seasonFactors(days []day) ([2]float64, bool) {
	whole := days[len(days)-len(days)/7*7:]
	var sum, count [2]float64
	for _, d := range whole {
		sum[b2i(d.weekend)] += d.y
		count[b2i(d.weekend)]++
	}
	if count[0] == 0 || count[1] == 0 {
		return [2]float64{1, 1}, false
	}
	wd, we := sum[0]/count[0], sum[1]/count[1]
	week := (5*wd + 2*we) / 7
	if week == 0 {
		return [2]float64{1, 1}, false
	}
	return [2]float64{wd / week, we / week}, true
}

func (m *model) method() string {
	s := "flat-mean"
	if m.seasonal {
		s = "weekday-weekend"
	}
	if m.trended {
		s += "+trend"
	}
	return s
}

// project sums the expected rest of today and the after days that follow,
// with the band. The rest of today is the expected full day less what today
// used so far, not a share of the day by the clock: traffic is rarely flat
// over a day (office hours, nightly jobs), and what today used tells where in
// its profile the day is. The backtest agrees (docs/projection.md).
func (m *model) project(today time.Time, restOfToday float64, after int, todaySoFar float64) (expected, low, high float64) {
	var w bandWeights
	expected = max(0, m.expect(today, 0, restOfToday, &w)-todaySoFar)
	for t := 1; t <= after; t++ {
		expected += m.expect(today, t, 1, &w)
	}
	spread := m.quantileZ() * m.sigma * math.Sqrt(m.forecastVariance(w))
	return expected, max(0, expected-spread), expected + spread
}

// expect is the expected full-day value t days from today; share of that day
// is still to come, which the band weights record.
func (m *model) expect(today time.Time, t int, share float64, w *bandWeights) float64 {
	v := m.curve(float64(t)) * m.season[b2i(isWeekend(today.AddDate(0, 0, t)))]
	c := v * share
	w.sum, w.sumSq, w.sumT = w.sum+c, w.sumSq+c*c, w.sumT+c*(float64(t)-m.tMean)
	return v
}

// bandWeights sum each forecast day's expected value times the share still to
// come: sigma is relative, so they scale it to the day-level noise of the sum
// and to the uncertainty of the level and the slope.
type bandWeights struct{ sum, sumSq, sumT float64 }

// forecastVariance is the variance of the forecast sum in units of sigma²:
// independent day noise, plus the level's estimation error (it hits every
// day alike), plus the slope's, growing with the distance from the fitted
// days: the least-squares prediction variance of a sum of days, to first
// order in the relative errors. When the trend was dropped as insignificant
// its term grows to trendMinT standard errors: a trend that small may still
// be there, and leaving it out biases the forecast by up to that much.
func (m *model) forecastVariance(w bandWeights) float64 {
	v := w.sumSq + w.sum*w.sum/float64(m.n)
	if m.sxx > 0 {
		slopeVar := 1.0
		if !m.trended {
			slopeVar = trendMinT * trendMinT
		}
		v += slopeVar * w.sumT * w.sumT / m.sxx
	}
	return v
}

// quantileZ is the band's quantile, widened for few fitted days: the
// first-order Cornish-Fisher expansion of Student's t from the normal one
// (Abramowitz and Stegun, Handbook of Mathematical Functions, 26.7.5).
func (m *model) quantileZ() float64 {
	dof := float64(max(m.n-m.params, 1))
	return bandZ + (bandZ*bandZ*bandZ+bandZ)/(4*dof)
}

func utcDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func isWeekend(d time.Time) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// clean maps what cannot be usage (NaN, negatives) to 0 and caps the rest.
func clean(v float64) float64 {
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	return min(v, maxDaily)
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
