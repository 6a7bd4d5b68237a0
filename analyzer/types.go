package analyzer

import (
	"fmt"
	"strings"
	"time"

	"github.com/faascope/faascope/billing"
)

// FunctionKey identifies a function: the same name in another region or
// account is another function.
type FunctionKey struct {
	Provider     string `json:"provider"`
	Region       string `json:"region"`
	AccountID    string `json:"account_id"`
	FunctionName string `json:"function"`
}

// ID is the key as one URL-safe string, "provider:account:region:name".
// Providers, accounts and regions never contain a colon; a name may, so it
// comes last.
func (k FunctionKey) ID() string {
	return k.Provider + ":" + k.AccountID + ":" + k.Region + ":" + k.FunctionName
}

// ParseFunctionID reads an ID.
func ParseFunctionID(id string) (FunctionKey, error) {
	p := strings.SplitN(id, ":", 4)
	if len(p) != 4 || p[0] == "" || p[3] == "" {
		return FunctionKey{}, fmt.Errorf("function id %q: want provider:account:region:name (account and region may be empty)", id)
	}
	return FunctionKey{Provider: p[0], AccountID: p[1], Region: p[2], FunctionName: p[3]}, nil
}

// Counts are a function's (or any group's) event counts and the rates users
// alert on. Rates are shares in [0, 1]; 0 when their denominator is 0.
type Counts struct {
	Invocations   uint64  `json:"invocations"`
	Errors        uint64  `json:"errors"`
	Timeouts      uint64  `json:"timeouts"`
	Throttles     uint64  `json:"throttles"`
	ColdStarts    uint64  `json:"cold_starts"`
	ErrorRate     float64 `json:"error_rate"`
	TimeoutRate   float64 `json:"timeout_rate"`
	ThrottleRate  float64 `json:"throttle_rate"`   // throttles / (invocations + throttles): the share of calls refused
	ColdStartRate float64 `json:"cold_start_rate"` // cold starts / invocations
}

// FunctionSummary is one row of the function list.
type FunctionSummary struct {
	ID string `json:"id"`
	FunctionKey
	Platform string `json:"platform"`
	Counts
	DurationAvgMs float64 `json:"duration_avg_ms"`
	// Percentiles are filled for the returned page only (t-digest; see
	// docs/api.md for their error).
	DurationP50Ms float64 `json:"duration_p50_ms"`
	DurationP95Ms float64 `json:"duration_p95_ms"`
	DurationP99Ms float64 `json:"duration_p99_ms"`
	BilledGBs     float64 `json:"billed_gb_s"`
	// CostUSD is the list price of the range's usage: the monthly free tier
	// is an account-month allowance and is applied by Costs, not here.
	CostUSD float64 `json:"cost_usd"`
}

// ListOptions orders and pages the function list.
type ListOptions struct {
	Sort   string // one of SortKeys; "" = invocations
	Asc    bool   // ascending; false = descending (the API defaults to ascending for "function")
	Limit  int    // 0 = DefaultPageSize; at most MaxPageSize
	Offset int
	// NoPercentiles skips the duration percentiles of the page, the costly
	// part of a list, for callers that do not show them (metrics).
	NoPercentiles bool
}

// Page sizes of the function list.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// SortKeys are the orders the function list accepts.
var SortKeys = []string{"invocations", "errors", "error_rate", "timeouts", "throttles", "throttle_rate",
	"cold_starts", "cold_start_rate", "duration_avg_ms", "billed_gb_s", "cost_usd", "function"}

// FunctionList is the answer to Functions.
type FunctionList struct {
	Total     int               `json:"total"` // functions matching the filter, before paging
	Functions []FunctionSummary `json:"functions"`
	// Truncated is true when more than MaxFunctions functions matched and
	// the list was cut (sorting and Total then cover the first MaxFunctions).
	Truncated bool `json:"truncated"`
}

// Quantiles of a duration distribution, in milliseconds.
type Quantiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90,omitempty"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

// FunctionDetail is everything known about one function over a range.
type FunctionDetail struct {
	FunctionSummary
	Duration      Quantiles `json:"duration_ms"`
	DurationMaxMs float64   `json:"duration_max_ms"`
	Init          Quantiles `json:"init_ms"` // init phase of cold starts (P90 not kept)
	InitAvgMs     float64   `json:"init_avg_ms"`
	// ColdStartAddedMs is what a cold start adds to latency on average: its
	// init phase plus the extra handler time of cold over warm invocations.
	ColdStartAddedMs float64            `json:"cold_start_added_ms"`
	Configs          []FunctionConfig   `json:"configs"` // one per memory/arch/plan/version/runtime seen
	CostItems        []billing.LineItem `json:"cost_items"`
	RightSize        *RightSizeHint     `json:"right_size,omitempty"`
}

// FunctionConfig is one configuration a function ran with, and its share.
type FunctionConfig struct {
	Plan         string  `json:"plan"`
	Architecture string  `json:"architecture"`
	MemoryMB     uint32  `json:"memory_mb"`
	Version      string  `json:"version"`
	Runtime      string  `json:"runtime"`
	Invocations  uint64  `json:"invocations"`
	BilledGBs    float64 `json:"billed_gb_s"`
}

// RightSizeHint suggests a cheaper configuration and what it saves.
type RightSizeHint struct {
	Suggestion       string  `json:"suggestion"`
	Reason           string  `json:"reason"`
	MonthlySavingUSD float64 `json:"monthly_saving_usd"`
}

// SeriesPoint is one bucket of a time series.
type SeriesPoint struct {
	Time time.Time `json:"time"`
	Counts
	DurationAvgMs float64 `json:"duration_avg_ms"`
	DurationP95Ms float64 `json:"duration_p95_ms"`
	BilledGBs     float64 `json:"billed_gb_s"`
	CostUSD       float64 `json:"cost_usd"`
}

// Series is a time series over [From, To), the requested range widened to
// whole buckets.
type Series struct {
	From   time.Time     `json:"from"`
	To     time.Time     `json:"to"`
	Step   string        `json:"step"`
	Points []SeriesPoint `json:"points"`
}

// Breakdown is one slice of a function's cold starts (one version, memory
// size, runtime or hour of day).
type Breakdown struct {
	Key           string  `json:"key"`
	Invocations   uint64  `json:"invocations"`
	ColdStarts    uint64  `json:"cold_starts"`
	ColdStartRate float64 `json:"cold_start_rate"`
	InitAvgMs     float64 `json:"init_avg_ms"`
}

// ColdStartFunction is one function's cold-start picture.
type ColdStartFunction struct {
	ID string `json:"id"`
	FunctionKey
	Invocations       uint64    `json:"invocations"`
	ColdStarts        uint64    `json:"cold_starts"`
	ColdStartRate     float64   `json:"cold_start_rate"`
	Init              Quantiles `json:"init_ms"`
	InitAvgMs         float64   `json:"init_avg_ms"`
	ColdDurationAvgMs float64   `json:"cold_duration_avg_ms"`
	WarmDurationAvgMs float64   `json:"warm_duration_avg_ms"`
	// AddedLatencyMs is init plus the extra handler time of a cold invocation.
	AddedLatencyMs float64     `json:"added_latency_ms"`
	ByVersion      []Breakdown `json:"by_version"`
	ByMemory       []Breakdown `json:"by_memory_mb"`
	ByRuntime      []Breakdown `json:"by_runtime"`
	ByHour         []Breakdown `json:"by_hour_utc"` // 24 entries, "00".."23"
}

// ColdStartReport is the answer to ColdStarts: functions with the most cold
// starts first.
type ColdStartReport struct {
	Functions []ColdStartFunction `json:"functions"`
	Truncated bool                `json:"truncated"`
}

// CostGroupBy names what Costs groups by.
var CostGroupBy = []string{"function", "account", "provider", "region"}

// CostQuery asks for the cost of one UTC calendar month (Filter.From must be
// its first instant, Filter.To the next month's) or of a part of it.
type CostQuery struct {
	Filter
	GroupBy string // one of CostGroupBy; "" = function
}

// CostGroup is the cost of one group with its line items.
type CostGroup struct {
	Key          string             `json:"key"` // function ID, account, provider or region
	Provider     string             `json:"provider,omitempty"`
	AccountID    string             `json:"account_id,omitempty"`
	Region       string             `json:"region,omitempty"`
	FunctionName string             `json:"function,omitempty"`
	Requests     uint64             `json:"requests"`
	BilledGBs    float64            `json:"billed_gb_s"`
	Items        []billing.LineItem `json:"items"`
	CostUSD      float64            `json:"cost_usd"`
}

// CostReport is the answer to Costs. Free tiers and volume tiers are applied
// per account and month as the provider bills them.
type CostReport struct {
	From     time.Time   `json:"from"`
	To       time.Time   `json:"to"`
	GroupBy  string      `json:"group_by"`
	Currency string      `json:"currency"`
	TotalUSD float64     `json:"total_usd"`
	Groups   []CostGroup `json:"groups"`
}

// ProjectionRow is one function's or account's month: actual so far and the
// forecast to month end with its band.
type ProjectionRow struct {
	Key              string  `json:"key"`
	ActualUSD        float64 `json:"actual_usd"`
	ProjectedUSD     float64 `json:"projected_usd"` // actual + expected rest of month
	ProjectedLowUSD  float64 `json:"projected_low_usd"`
	ProjectedHighUSD float64 `json:"projected_high_usd"`
}

// ProjectionReport is the answer to Projection.
type ProjectionReport struct {
	Month     time.Time       `json:"month"`
	AsOf      time.Time       `json:"as_of"`
	Method    string          `json:"method"`
	Total     ProjectionRow   `json:"total"`
	Accounts  []ProjectionRow `json:"accounts"`
	Functions []ProjectionRow `json:"functions"`
}
