package billing

import (
	"math"
	"strings"
	"time"
)

// initBilledFrom is when AWS started billing the INIT phase of on-demand ZIP
// functions on managed runtimes (pricing.md §1.3, §7.4).
var initBilledFrom = time.Date(2025, time.August, 1, 0, 0, 0, 0, time.UTC)

// subNanosecondMs absorbs float error below span resolution (1 ns = 1e-6 ms),
// so a duration computed as 100.00000000000001 ms is still billed as 100 ms.
const subNanosecondMs = 1e-7

// Meters are stateless values, so MeterFor hands out shared instances and
// metering allocates nothing.
var (
	awsLambdaMeter        Meter = awsLambda{}
	gcpFunctionsGen1Meter Meter = stepMeter{plan: PlanGCPFunctionsGen1, step: 100}
	gcpCloudRunMeter      Meter = stepMeter{plan: PlanGCPCloudRun, step: 100}
	azureConsumptionMeter Meter = azureConsumption{}
	azureFlexMeter        Meter = azureFlex{}
	cloudflareMeter       Meter = stepMeter{plan: PlanCloudflareWorkers, step: 1}
	genericMeter          Meter = stepMeter{plan: PlanGeneric, step: 1}
)

// MeterFor returns the meter that applies plan p's rules. An unknown plan gets
// the generic meter (1 ms rounding, configured memory), so metering never fails.
func MeterFor(p Plan) Meter {
	switch p {
	case PlanAWSLambda:
		return awsLambdaMeter
	case PlanGCPFunctionsGen1:
		return gcpFunctionsGen1Meter
	case PlanGCPCloudRun:
		return gcpCloudRunMeter
	case PlanAzureConsumption:
		return azureConsumptionMeter
	case PlanAzureFlex:
		return azureFlexMeter
	case PlanCloudflareWorkers:
		return cloudflareMeter
	default:
		return genericMeter
	}
}

// DefaultPlan is the plan assumed for a platform when the telemetry does not
// name one. The platform decides; the provider is only consulted when the
// platform is unknown, and only where one plan is the obvious default
// (Lambda on-demand, Azure Consumption, Cloudflare Workers Standard). Flex
// Consumption and Cloud Run functions (gen2) must be named explicitly because
// traces cannot tell them apart.
func DefaultPlan(provider, platform string) Plan {
	switch platform {
	case "aws_lambda":
		return PlanAWSLambda
	case "gcp_cloud_functions":
		return PlanGCPFunctionsGen1
	case "gcp_cloud_run":
		return PlanGCPCloudRun
	case "azure.functions", "azure_functions":
		return PlanAzureConsumption
	case "":
		switch provider {
		case "aws":
			return PlanAWSLambda
		case "azure":
			return PlanAzureConsumption
		case "cloudflare":
			return PlanCloudflareWorkers
		}
	}
	return PlanGeneric
}

// ParsePlan reads a plan name such as "aws_lambda" (case and surrounding
// space ignored). It reports false for names it does not know.
func ParsePlan(s string) (Plan, bool) {
	switch p := Plan(strings.ToLower(strings.TrimSpace(s))); p {
	case PlanAWSLambda, PlanGCPFunctionsGen1, PlanGCPCloudRun,
		PlanAzureConsumption, PlanAzureFlex, PlanCloudflareWorkers, PlanGeneric:
		return p, true
	}
	return "", false
}

// awsLambda meters Lambda on-demand invocations.
type awsLambda struct{}

func (awsLambda) Plan() Plan { return PlanAWSLambda }

// Meter applies pricing.md §1.2 (1 ms rounding, configured memory) and §1.3:
// from 2025-08-01 a cold start's INIT is added before rounding,
// ceil(duration+init); before that date INIT was free for ZIP functions on
// managed runtimes, which is what we assume since traces do not say how a
// function is packaged.
func (awsLambda) Meter(u Usage) Metered {
	ms := sanitize(u.DurationMs)
	if u.ColdStart && sanitize(u.InitMs) > 0 && !u.Start.Before(initBilledFrom) {
		ms += sanitize(u.InitMs)
	}
	return Metered{BilledDurationMs: ceilMs(ms), BilledMemoryMB: u.MemoryMB}
}

// stepMeter rounds the duration up to a fixed step and bills configured memory.
// GCP Cloud Functions 1st gen and Cloud Run round up to 100 ms (pricing.md
// §2.1 "260 ms billed as 300 ms", §2.2 [G5]); the generic plan uses 1 ms, the
// common modern granularity (pricing.md §1.2).
type stepMeter struct {
	plan Plan
	step uint64
}

func (m stepMeter) Plan() Plan { return m.plan }

func (m stepMeter) Meter(u Usage) Metered {
	return Metered{BilledDurationMs: roundUp(ceilMs(sanitize(u.DurationMs)), m.step), BilledMemoryMB: u.MemoryMB}
}

// azureConsumption meters the (legacy) Consumption plan.
type azureConsumption struct{}

func (azureConsumption) Plan() Plan { return PlanAzureConsumption }

// Meter applies pricing.md §3.1: time rounded up to 1 ms with a 100 ms
// minimum per execution; memory rounded up to the next 128 MB, minimum 128,
// capped at 1,536 MB. Azure bills observed memory, which traces do not carry,
// so configured memory is the proxy (pricing.md §7.6); unknown memory bills
// the 128 MB minimum.
func (azureConsumption) Meter(u Usage) Metered {
	ms := max(ceilMs(sanitize(u.DurationMs)), 100)
	mem := min(max(roundUp(u.MemoryMB, 128), 128), 1536)
	return Metered{BilledDurationMs: ms, BilledMemoryMB: mem}
}

// azureFlex meters the Flex Consumption plan.
type azureFlex struct{}

func (azureFlex) Plan() Plan { return PlanAzureFlex }

// Meter applies pricing.md §3.2: a 1,000 ms minimum, then rounding up to
// 100 ms; memory is the instance size (512, 2048 or 4096 MB), so configured
// memory is rounded up to the next size, and unknown memory is the 2048 MB
// default instance. The per-invocation view ignores that Flex bills instance
// activity shared by concurrent executions (pricing.md §7.7).
func (azureFlex) Meter(u Usage) Metered {
	ms := roundUp(max(ceilMs(sanitize(u.DurationMs)), 1000), 100)
	var mem uint32
	switch {
	case u.MemoryMB == 0:
		mem = 2048
	case u.MemoryMB <= 512:
		mem = 512
	case u.MemoryMB <= 2048:
		mem = 2048
	default:
		mem = 4096
	}
	return Metered{BilledDurationMs: ms, BilledMemoryMB: mem}
}

// sanitize turns durations that cannot be billed (NaN, negative) into 0.
func sanitize(ms float64) float64 {
	if ms > 0 { // false for NaN
		return ms
	}
	return 0
}

// ceilMs rounds a non-negative duration up to whole milliseconds, clamped to
// the uint32 range of the billed-duration column.
func ceilMs(ms float64) uint32 {
	c := math.Ceil(ms - subNanosecondMs)
	switch {
	case !(c > 0):
		return 0
	case c >= math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(c)
}

// roundUp rounds v up to a multiple of step, clamped to the uint32 range.
func roundUp(v uint32, step uint64) uint32 {
	r := (uint64(v) + step - 1) / step * step
	return uint32(min(r, math.MaxUint32))
}
