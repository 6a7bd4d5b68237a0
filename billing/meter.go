package billing

import "time"

// Plan names a provider's pay-per-use price plan. A plan decides how an
// invocation's duration and memory are metered (rounding, minimums, steps) and
// which catalog plan prices it. A price override file can add plans with
// other ids (custom runtimes); they meter like PlanGeneric.
type Plan string

const (
	PlanAWSLambda         Plan = "aws_lambda"         // on-demand; 1 ms rounding; INIT billed from 2025-08-01
	PlanGCPFunctionsGen1  Plan = "gcp_functions_gen1" // Cloud Functions 1st gen; 100 ms rounding
	PlanGCPCloudRun       Plan = "gcp_cloud_run"      // Cloud Run functions / services, request-based; 100 ms rounding
	PlanAzureConsumption  Plan = "azure_consumption"  // 1 ms, min 100 ms; memory in 128 MB steps, 128..1536 MB
	PlanAzureFlex         Plan = "azure_flex"         // min 1000 ms then 100 ms steps; instance memory 512/2048/4096 MB
	PlanCloudflareWorkers Plan = "cloudflare_workers" // Workers Standard: billed on CPU time, duration metered at 1 ms
	PlanGeneric           Plan = "generic"            // any other runtime: 1 ms rounding, configured memory
)

// Usage is what a trace tells about one invocation, the input of a Meter.
type Usage struct {
	Start      time.Time
	DurationMs float64
	InitMs     float64 // init phase duration when the invocation was a cold start, else 0
	ColdStart  bool
	MemoryMB   uint32 // configured memory; 0 when unknown
}

// Metered is what the provider bills for one invocation.
type Metered struct {
	BilledDurationMs uint32
	BilledMemoryMB   uint32
}

// Meter turns one invocation's usage into billed duration and memory under one
// plan's rules. Implementations are pure and safe for concurrent use.
type Meter interface {
	Plan() Plan
	Meter(Usage) Metered
}
