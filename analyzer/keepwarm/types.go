package keepwarm

import "time"

// Invocation is one call of a function as the trace recorded it.
type Invocation struct {
	// Start is when the call reached the function. For a cold start the init
	// phase comes first, so the instance is busy from Start for Init+Duration
	// (§5.2 step 2).
	Start    time.Time
	Duration time.Duration
	Init     time.Duration // init phase when known (cold starts), else 0
	Cold     bool          // the platform said cold (explicit flag or inferred first invocation of an instance)
	Instance string        // execution environment id, "" when unknown
	Version  string
	Warmup   bool // a keep-warm ping recognised by a marker: not user traffic
}

// Function is one function's identity, configuration and trace.
type Function struct {
	// Plan is a billing.Plan id (aws_lambda, azure_flex, gcp_cloud_run, ...);
	// "" takes billing.DefaultPlan(Provider, Platform). Trigger is the OTel
	// faas.trigger: http|pubsub|datasource|timer|other.
	Provider, Platform, Plan, Region, Runtime, Arch, Trigger string
	MemoryMB                                                 uint32
	Invocations                                              []Invocation // sorted by Start
}

// Params are the policy parameters of §5.1, with the defaults of DefaultParams.
type Params struct {
	// ValuePerColdStartUSD is V, what one avoided user-facing cold start is
	// worth. 0 derives it: LatencyValuePerSecondUSD × the median init for
	// sync triggers (http, unknown), 0 for async ones (§5.6).
	ValuePerColdStartUSD     float64
	LatencyValuePerSecondUSD float64
	// ShadowPriceWarmGBs is σ, the price put on each idle warm GB-s: 0 is the
	// user's bill only; the on-demand GB-s price counts provider-side idle.
	ShadowPriceWarmGBs float64

	KMaxPing    int     // most instances a ping schedule may try to warm
	ThetaActive float64 // share of days with traffic that makes an hour a candidate active hour
	ActiveAlpha float64 // significance level of the binomial active-hours test
	// PingLead is the shortest lead of a phase ping before the call it serves.
	PingLead           time.Duration
	QPC                float64 // quantile over days of the hourly peak concurrency that sets a reserved level
	MaxPCChangesPerDay int
	MinInvocations     int
	MinDays            int
	Location           *time.Location // owner zone for hours and day types; nil is UTC

	PingHold           time.Duration // how long a k = 1 ping holds its instance
	HandlerDelay       time.Duration // how long each of k > 1 overlapping pings holds its instance
	PingReliabilityOne float64       // ρ_1: chance a lone ping warms an instance
	PingReliability    float64       // ρ_k, k > 1: chance each of the k pings reaches its own instance
	PCLeadTime         time.Duration // reserved capacity is raised this long before the hour (A2)
	// TieTolerance is the relative margin within which candidates count as
	// tied, so the one with fewer moving parts wins (§5.6).
	TieTolerance float64
	// AlwaysReadyBaselineUSDPerGBs prices Azure Flex always-ready baseline
	// memory, which billing lists but does not bill.
	AlwaysReadyBaselineUSDPerGBs float64
	// IdleCPUPriceFactor is the idle over active CPU price of GCP min
	// instances, applied to the catalog's CPU rate.
	IdleCPUPriceFactor float64
	Seed               uint64 // for the ping reliability draws and the bootstrap
}

// DefaultParams returns the defaults of §5.1 and §5.4.
func DefaultParams() Params {
	return Params{
		LatencyValuePerSecondUSD: 0.001, // §5.6
		KMaxPing:                 5,
		ThetaActive:              0.6,
		ActiveAlpha:              0.01, // §5.3d
		PingLead:                 2 * time.Minute,
		QPC:                      0.95,
		MaxPCChangesPerDay:       6,
		MinInvocations:           50,
		MinDays:                  7,
		Location:                 time.UTC,
		PingHold:                 5 * time.Millisecond,  // §6.4
		HandlerDelay:             75 * time.Millisecond, // lambda-warmer's default delay (T3)
		PingReliabilityOne:       0.98,                  // §5.4 C2 placeholders
		PingReliability:          0.8,
		PCLeadTime:               10 * time.Minute, // §5.4 C4
		TieTolerance:             0.05,
		// pricing.md §3.2 [X3]: a third-party EUR figure, USD not confirmed.
		AlwaysReadyBaselineUSDPerGBs: 0.000004,
		// pricing.md §2.1 and §2.2 [G2]: idle CPU $0.0000010 vs $0.0000100 per
		// GHz-s (1st gen), $0.0000025 vs $0.000024 per vCPU-s (Cloud Run).
		IdleCPUPriceFactor: 0.1,
		Seed:               1,
	}
}

// Actions a Recommendation can name.
const (
	ActionNone            = "none"
	ActionPhasePing       = "phase_ping"
	ActionPing            = "ping"
	ActionPing24x7        = "ping_24x7"
	ActionProvisioned     = "provisioned"
	ActionProvisionedPing = "provisioned+ping"
	ActionAlwaysReady     = "always_ready"
	ActionMinInstances    = "min_instances"
)

// Reason codes of a "none" recommendation.
const (
	ReasonInsufficientData = "insufficient_data"
	ReasonAsyncTrigger     = "async_trigger"
	ReasonAlreadyWarm      = "already_warm"
	ReasonCostExceedsValue = "cost_exceeds_value"
	ReasonNoColdStarts     = "no_cold_starts"
)

// Recommendation is what to do about one function's cold starts.
type Recommendation struct {
	Action      string         `json:"action"`
	Reason      string         `json:"reason"`      // a reason code when Action is none, else ""
	Explanation []string       `json:"explanation"` // the reasons in words
	Schedules   []PingSchedule `json:"schedules"`
	Provisioned []Level        `json:"provisioned"`
	// Expected effect per 30-day month, from the replay of the training
	// window; Low and High bound an 80 % day-level bootstrap interval.
	ColdStartsAvoidedPerMonth float64     `json:"cold_starts_avoided_per_month"`
	ColdStartsAvoidedLow      float64     `json:"cold_starts_avoided_low"`
	ColdStartsAvoidedHigh     float64     `json:"cold_starts_avoided_high"`
	AddedCostPerMonthUSD      float64     `json:"added_cost_per_month_usd"`
	WarmGBsPerMonth           float64     `json:"warm_gb_s_per_month"`
	Confidence                string      `json:"confidence"` // high|medium|low, with the basis in Explanation
	Evidence                  Evidence    `json:"evidence"`
	Alternatives              []Candidate `json:"alternatives"`
}

// PingSchedule is one keep-warm rule: one cron per distinct (day set, hours, k).
type PingSchedule struct {
	Cron         string        `json:"cron"`        // standard 5-field cron, UTC
	EventBridge  string        `json:"eventbridge"` // AWS EventBridge rule expression, UTC
	K            int           `json:"k"`           // concurrent pings per firing
	Every        time.Duration `json:"every_ns"`
	Description  string        `json:"description"`
	Payload      string        `json:"payload"`          // the detection marker the handler must return early on
	HandlerDelay time.Duration `json:"handler_delay_ns"` // how long the handler holds a warm-up call when K > 1
}

// Level is one step of a reserved-capacity schedule, in the owner's zone.
type Level struct {
	Days        string  `json:"days"` // MON-FRI | SAT,SUN
	FromHour    int     `json:"from_hour"`
	ToHour      int     `json:"to_hour"` // [FromHour, ToHour) local hours
	Count       int     `json:"count"`
	Utilization float64 `json:"utilization"` // mean concurrency / Count over the training days
	// ScheduledActions are Application Auto Scaling scheduled actions (UTC
	// crons with the MinCapacity they set), or the provider's equivalent.
	ScheduledActions []string `json:"scheduled_actions"`
}

// Candidate is one scored action.
type Candidate struct {
	Name                      string  `json:"name"`
	ColdStarts                int     `json:"cold_starts"`
	PingColdStarts            int     `json:"ping_cold_starts"`
	Pings                     int     `json:"pings"`
	Collisions                int     `json:"collisions"`
	WarmGBs                   float64 `json:"warm_gb_s"`
	AddedUSD                  float64 `json:"added_usd"` // over the training window
	ColdStartsAvoidedPerMonth float64 `json:"cold_starts_avoided_per_month"`
	AddedCostPerMonthUSD      float64 `json:"added_cost_per_month_usd"`
	NetBenefitMonth           float64 `json:"net_benefit_month"`
	K                         int     `json:"k"`
	Note                      string  `json:"note"`
}

// Evidence is what the recommendation rests on.
type Evidence struct {
	Days                 float64       `json:"days"`
	Invocations          int           `json:"invocations"`
	Warmups              int           `json:"warmups"`
	ObservedColdStarts   int           `json:"observed_cold_starts"`
	ReplayedColdStarts   int           `json:"replayed_cold_starts"` // the no-keep-warm replay of the same window
	EvictAfter           time.Duration `json:"evict_after_ns"`
	SafeGap              time.Duration `json:"safe_gap_ns"`
	EvictionSource       string        `json:"eviction_source"` // fitted | prior | prior clamped to the observed bracket
	EvictionCurve        []float64     `json:"eviction_curve"`  // isotonic P(cold | idle gap) per 1-minute bucket, -1 where no data
	Idle                 int           `json:"idle"`
	ScaleOut             int           `json:"scale_out"` // cold starts by cause (§5.3c)
	Deploy               int           `json:"deploy"`
	Other                int           `json:"other"`
	InitP50              time.Duration `json:"init_p50_ns"`
	DurationP50          time.Duration `json:"duration_p50_ns"`
	ValuePerColdStartUSD float64       `json:"value_per_cold_start_usd"`
	Hours                []HourStat    `json:"hours"`
	Periodic             bool          `json:"periodic"`
	Period               time.Duration `json:"period_ns"`
	Phase                time.Duration `json:"phase_ns"`
	Jitter               time.Duration `json:"jitter_ns"`   // phase within the period, p95 jitter
	PhaseShare           float64       `json:"phase_share"` // share of calls within ±2 min of the phase
	Sessions             int           `json:"sessions"`
	BurstP50             int           `json:"burst_p50"`
	BurstP95             int           `json:"burst_p95"` // session-start burst sizes; BurstP95 is k_burst
	Hybrid               HybridStats   `json:"hybrid"`
}

// HourStat is the activity of one (day type, local hour) bucket (§5.3d).
type HourStat struct {
	DayType         string  `json:"day_type"` // weekday | weekend
	Hour            int     `json:"hour"`
	Days            int     `json:"days"`
	PActive         float64 `json:"p_active"`
	PerHour         float64 `json:"per_hour"`
	IdleCold        float64 `json:"idle_cold"`
	ScaleCold       float64 `json:"scale_cold"`       // per day
	PeakConcurrency float64 `json:"peak_concurrency"` // QPC quantile over days of the hour's peak
	MeanConcurrency float64 `json:"mean_concurrency"`
	PValue          float64 `json:"p_value"`
	Active          bool    `json:"active"`
	Candidate       bool    `json:"candidate"`
	Significant     bool    `json:"significant"`
}

// HybridStats are the hybrid-histogram quantities of the idle times (§1.3, §5.3e).
type HybridStats struct {
	P5       time.Duration `json:"p5_ns"`
	P99      time.Duration `json:"p99_ns"`
	BinCV    float64       `json:"bin_cv"`
	OOBShare float64       `json:"oob_share"`
}

// PolicyResult is one policy's replay of the scored part of a window.
type PolicyResult struct {
	Policy               string  `json:"policy"`
	Invocations          int     `json:"invocations"`
	ColdStarts           int     `json:"cold_starts"`
	PingColdStarts       int     `json:"ping_cold_starts"`
	Pings                int     `json:"pings"`
	Firings              int     `json:"firings"` // ping schedule firings; Pings counts each of their k calls
	Collisions           int     `json:"collisions"`
	IdleInstanceSeconds  float64 `json:"idle_instance_seconds"`
	WarmGBs              float64 `json:"warm_gb_s"`
	AddedUSD             float64 `json:"added_usd"`
	IdleCalls            int     `json:"idle_calls"`
	IdleColdStarts       int     `json:"idle_cold_starts"`
	ScaleOutColdStarts   int     `json:"scale_out_cold_starts"` // calls after an idle gap ≥ the safe gap / cold starts by cause
	IdleCallsActive      int     `json:"idle_calls_active"`
	IdleColdStartsActive int     `json:"idle_cold_starts_active"` // the same, in the active hours and the hours a periodic job runs in
	ObservedColdStarts   int     `json:"observed_cold_starts"`    // the trace's own cold flags in the scored part
}
