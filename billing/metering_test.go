package billing

import (
	"math"
	"testing"
	"time"
)

var (
	beforeInitBilling = time.Date(2025, time.July, 31, 23, 59, 59, 999999999, time.UTC)
	atInitBilling     = time.Date(2025, time.August, 1, 0, 0, 0, 0, time.UTC)
	afterInitBilling  = time.Date(2026, time.November, 22, 10, 0, 0, 0, time.UTC)
)

func TestMeter(t *testing.T) {
	tests := []struct {
		name string
		plan Plan
		in   Usage
		want Metered
	}{
		// AWS Lambda: pricing.md §1.2 (1 ms) and §1.3 (INIT from 2025-08-01).
		{"aws rounds up to 1 ms", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: 21.02193, MemoryMB: 512}, Metered{22, 512}},
		{"aws 27.55 ms billed 28 (§6 ex. 3)", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: 27.55, MemoryMB: 1024}, Metered{28, 1024}},
		{"aws whole ms stays", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: 100, MemoryMB: 128}, Metered{100, 128}},
		{"aws float noise below 1 ns ignored", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: 0.1 + 0.2 + 99.7, MemoryMB: 128}, Metered{100, 128}},
		{"aws one ns over rounds up", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: 21.000001, MemoryMB: 128}, Metered{22, 128}},
		{"aws cold after cut-over adds init", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: 26.12, InitMs: 607.83, ColdStart: true, MemoryMB: 512}, Metered{634, 512}},
		{"aws cold exactly at cut-over adds init", PlanAWSLambda, Usage{Start: atInitBilling, DurationMs: 26.12, InitMs: 607.83, ColdStart: true, MemoryMB: 512}, Metered{634, 512}},
		{"aws cold 1 ns before cut-over: init free", PlanAWSLambda, Usage{Start: beforeInitBilling, DurationMs: 26.12, InitMs: 607.83, ColdStart: true, MemoryMB: 512}, Metered{27, 512}},
		{"aws cut-over in another zone is UTC", PlanAWSLambda, Usage{Start: time.Date(2025, time.August, 1, 1, 0, 0, 0, time.FixedZone("CEST", 2*3600)), DurationMs: 1, InitMs: 10, ColdStart: true}, Metered{1, 0}},
		{"aws warm with init ignores init", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: 26.12, InitMs: 607.83, MemoryMB: 512}, Metered{27, 512}},
		{"aws cold without init", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: 26.12, ColdStart: true, MemoryMB: 512}, Metered{27, 512}},
		{"aws negative init ignored", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: 26.12, InitMs: -5, ColdStart: true, MemoryMB: 512}, Metered{27, 512}},
		{"aws NaN init ignored", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: 26.12, InitMs: math.NaN(), ColdStart: true}, Metered{27, 0}},
		{"aws unknown memory stays 0", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: 1.5}, Metered{2, 0}},

		// GCP: pricing.md §2.1 (1st gen) and §2.2 (Cloud Run), 100 ms steps.
		{"gcp gen1 260 ms billed 300 (§6 ex. 5)", PlanGCPFunctionsGen1, Usage{DurationMs: 260, MemoryMB: 256}, Metered{300, 256}},
		{"gcp gen1 100.0 stays 100", PlanGCPFunctionsGen1, Usage{DurationMs: 100.0, MemoryMB: 256}, Metered{100, 256}},
		{"gcp gen1 100.001 billed 200", PlanGCPFunctionsGen1, Usage{DurationMs: 100.001, MemoryMB: 256}, Metered{200, 256}},
		{"gcp gen1 tiny billed 100", PlanGCPFunctionsGen1, Usage{DurationMs: 0.2}, Metered{100, 0}},
		{"gcp gen1 zero billed 0", PlanGCPFunctionsGen1, Usage{DurationMs: 0}, Metered{0, 0}},
		{"cloud run 47.6 billed 100", PlanGCPCloudRun, Usage{DurationMs: 47.633407, MemoryMB: 512}, Metered{100, 512}},
		{"cloud run 299.9 billed 300", PlanGCPCloudRun, Usage{DurationMs: 299.9, MemoryMB: 512}, Metered{300, 512}},
		{"cloud run 300.5 billed 400", PlanGCPCloudRun, Usage{DurationMs: 300.5, MemoryMB: 512}, Metered{400, 512}},

		// Azure Consumption: pricing.md §3.1 (1 ms, min 100 ms; 128 MB steps, 128..1536).
		{"azure consumption 40 ms 90 MB (§6 ex. 7)", PlanAzureConsumption, Usage{DurationMs: 40, MemoryMB: 90}, Metered{100, 128}},
		{"azure consumption 1234.4 ms 160 MB (§6 ex. 7)", PlanAzureConsumption, Usage{DurationMs: 1234.4, MemoryMB: 160}, Metered{1235, 256}},
		{"azure consumption 100.0 stays 100", PlanAzureConsumption, Usage{DurationMs: 100, MemoryMB: 128}, Metered{100, 128}},
		{"azure consumption 100.2 billed 101", PlanAzureConsumption, Usage{DurationMs: 100.2, MemoryMB: 128}, Metered{101, 128}},
		{"azure consumption unknown memory 128", PlanAzureConsumption, Usage{DurationMs: 2184.3371}, Metered{2185, 128}},
		{"azure consumption 128 stays", PlanAzureConsumption, Usage{DurationMs: 500, MemoryMB: 128}, Metered{500, 128}},
		{"azure consumption 129 to 256", PlanAzureConsumption, Usage{DurationMs: 500, MemoryMB: 129}, Metered{500, 256}},
		{"azure consumption 1500 to 1536", PlanAzureConsumption, Usage{DurationMs: 500, MemoryMB: 1500}, Metered{500, 1536}},
		{"azure consumption capped 1536", PlanAzureConsumption, Usage{DurationMs: 500, MemoryMB: 4096}, Metered{500, 1536}},
		{"azure consumption huge memory capped", PlanAzureConsumption, Usage{DurationMs: 500, MemoryMB: math.MaxUint32}, Metered{500, 1536}},
		{"azure consumption negative duration gets minimum", PlanAzureConsumption, Usage{DurationMs: -3, MemoryMB: 128}, Metered{100, 128}},

		// Azure Flex Consumption: pricing.md §3.2 (min 1000 ms, then 100 ms; 512/2048/4096 MB).
		{"azure flex short billed 1000", PlanAzureFlex, Usage{DurationMs: 40, MemoryMB: 2048}, Metered{1000, 2048}},
		{"azure flex 1000 stays", PlanAzureFlex, Usage{DurationMs: 1000, MemoryMB: 2048}, Metered{1000, 2048}},
		{"azure flex 1000.5 billed 1100", PlanAzureFlex, Usage{DurationMs: 1000.5, MemoryMB: 2048}, Metered{1100, 2048}},
		{"azure flex 1234 billed 1300", PlanAzureFlex, Usage{DurationMs: 1234, MemoryMB: 2048}, Metered{1300, 2048}},
		{"azure flex unknown memory 2048", PlanAzureFlex, Usage{DurationMs: 1500}, Metered{1500, 2048}},
		{"azure flex 100 MB to 512", PlanAzureFlex, Usage{DurationMs: 1500, MemoryMB: 100}, Metered{1500, 512}},
		{"azure flex 512 stays", PlanAzureFlex, Usage{DurationMs: 1500, MemoryMB: 512}, Metered{1500, 512}},
		{"azure flex 513 to 2048", PlanAzureFlex, Usage{DurationMs: 1500, MemoryMB: 513}, Metered{1500, 2048}},
		{"azure flex 2049 to 4096", PlanAzureFlex, Usage{DurationMs: 1500, MemoryMB: 2049}, Metered{1500, 4096}},
		{"azure flex above 4096 capped", PlanAzureFlex, Usage{DurationMs: 1500, MemoryMB: 8192}, Metered{1500, 4096}},

		// Generic: 1 ms, configured memory.
		{"cloudflare 1 ms", PlanCloudflareWorkers, Usage{DurationMs: 7.01, MemoryMB: 128}, Metered{8, 128}},
		{"generic 1 ms", PlanGeneric, Usage{DurationMs: 7.01, MemoryMB: 300}, Metered{8, 300}},
		{"unknown plan is generic", Plan("vercel"), Usage{DurationMs: 7.01, MemoryMB: 300}, Metered{8, 300}},

		// Guards shared by every plan.
		{"negative duration 0", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: -1}, Metered{0, 0}},
		{"NaN duration 0", PlanGeneric, Usage{DurationMs: math.NaN()}, Metered{0, 0}},
		{"-Inf duration 0", PlanGCPCloudRun, Usage{DurationMs: math.Inf(-1)}, Metered{0, 0}},
		{"+Inf clamps", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: math.Inf(1)}, Metered{math.MaxUint32, 0}},
		{"huge clamps", PlanGeneric, Usage{DurationMs: 1e12}, Metered{math.MaxUint32, 0}},
		{"huge clamps after step", PlanGCPFunctionsGen1, Usage{DurationMs: math.MaxUint32 - 1}, Metered{math.MaxUint32, 0}},
		{"huge cold sum clamps", PlanAWSLambda, Usage{Start: afterInitBilling, DurationMs: math.MaxUint32, InitMs: math.MaxUint32, ColdStart: true}, Metered{math.MaxUint32, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := MeterFor(tt.plan)
			if got := m.Meter(tt.in); got != tt.want {
				t.Errorf("Meter(%+v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestMeterForPlan(t *testing.T) {
	for _, p := range []Plan{PlanAWSLambda, PlanGCPFunctionsGen1, PlanGCPCloudRun, PlanAzureConsumption, PlanAzureFlex, PlanCloudflareWorkers, PlanGeneric} {
		if got := MeterFor(p).Plan(); got != p {
			t.Errorf("MeterFor(%q).Plan() = %q", p, got)
		}
	}
	if got := MeterFor("nope").Plan(); got != PlanGeneric {
		t.Errorf("MeterFor(unknown).Plan() = %q, want generic", got)
	}
}

func TestDefaultPlan(t *testing.T) {
	tests := []struct {
		provider, platform string
		want               Plan
	}{
		{"aws", "aws_lambda", PlanAWSLambda},
		{"", "aws_lambda", PlanAWSLambda},
		{"gcp", "gcp_cloud_functions", PlanGCPFunctionsGen1},
		{"gcp", "gcp_cloud_run", PlanGCPCloudRun},
		{"azure", "azure.functions", PlanAzureConsumption},
		{"azure", "azure_functions", PlanAzureConsumption},
		{"aws", "", PlanAWSLambda},
		{"azure", "", PlanAzureConsumption},
		{"cloudflare", "", PlanCloudflareWorkers},
		{"gcp", "", PlanGeneric},
		{"aws", "aws_app_runner", PlanGeneric},
		{"alibaba_cloud", "alibaba_cloud_fc", PlanGeneric},
		{"", "", PlanGeneric},
	}
	for _, tt := range tests {
		if got := DefaultPlan(tt.provider, tt.platform); got != tt.want {
			t.Errorf("DefaultPlan(%q, %q) = %q, want %q", tt.provider, tt.platform, got, tt.want)
		}
	}
}

func TestParsePlan(t *testing.T) {
	tests := []struct {
		in   string
		want Plan
		ok   bool
	}{
		{"aws_lambda", PlanAWSLambda, true},
		{"gcp_functions_gen1", PlanGCPFunctionsGen1, true},
		{"gcp_cloud_run", PlanGCPCloudRun, true},
		{"azure_consumption", PlanAzureConsumption, true},
		{" Azure_Flex ", PlanAzureFlex, true},
		{"generic", PlanGeneric, true},
		{"Cloudflare_Workers", PlanCloudflareWorkers, true},
		{"", "", false},
		{"azure", "", false},
		{"aws_lambda_edge", "", false},
	}
	for _, tt := range tests {
		got, ok := ParsePlan(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParsePlan(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func BenchmarkMeter(b *testing.B) {
	plans := []Plan{PlanAWSLambda, PlanGCPFunctionsGen1, PlanGCPCloudRun, PlanAzureConsumption, PlanAzureFlex, PlanGeneric}
	u := Usage{Start: afterInitBilling, DurationMs: 123.456, InitMs: 456.7, ColdStart: true, MemoryMB: 700}
	b.ReportAllocs()
	var sink uint32
	for i := 0; b.Loop(); i++ {
		sink += MeterFor(plans[i%len(plans)]).Meter(u).BilledDurationMs
	}
	_ = sink
}
