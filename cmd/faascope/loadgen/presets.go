package loadgen

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Presets are built-in workloads: "demo" for a first look (every provider,
// plan, shape and arrival pattern; throttles, errors, timeouts), "stress"
// for throughput benchmarks (many busy functions, few cold starts).
var presets = map[string]func() Workload{
	"demo":   demoWorkload,
	"stress": stressWorkload,
}

// PresetNames lists the built-in workloads.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Preset returns a built-in workload by name.
func Preset(name string) (Workload, error) {
	p, ok := presets[name]
	if !ok {
		return Workload{}, fmt.Errorf("unknown preset %q (%s)", name, strings.Join(PresetNames(), ", "))
	}
	return p(), nil
}

const (
	awsAccount  = "123456789012"
	gcpProject  = "acme-shop-prod"
	azureSubID  = "6f1c2a9e-3b4d-4e8f-9a7b-2c5d8e1f0a36"
	awsRegion   = "eu-west-1"
	gcpRegion   = "europe-west1"
	azureRegion = "westeurope"
)

func demoWorkload() Workload {
	ms := func(median, sigma float64) Dist { return Dist{MedianMs: median, Sigma: sigma} }
	return Workload{Functions: []Function{
		{Name: "orders-api", Plan: "aws_lambda", Shape: "nodejs", Region: awsRegion, Account: awsAccount,
			Runtime: "nodejs22.x", Arch: "x86_64", MemoryMB: 512, Duration: ms(120, 0.5), Init: ms(420, 0.3),
			Arrival: Arrival{Pattern: PatternDiurnal, PerHour: 300}, ErrorRate: 0.01, TimeoutRate: 0.001, Timeout: 6 * time.Second},
		{Name: "auth-authorizer", Plan: "aws_lambda", Shape: "nodejs", Region: awsRegion, Account: awsAccount,
			Runtime: "nodejs22.x", Arch: "arm64", MemoryMB: 128, Duration: ms(15, 0.3),
			Arrival: Arrival{Pattern: PatternPoisson, PerHour: 600}, ErrorRate: 0.002, Timeout: 3 * time.Second},
		{Name: "image-resize", Plan: "aws_lambda", Shape: "python", Region: awsRegion, Account: awsAccount,
			Runtime: "python3.13", Arch: "arm64", MemoryMB: 1024, Duration: ms(800, 0.6), Init: ms(650, 0.3),
			Arrival:   Arrival{Pattern: PatternBursty, PerHour: 6, SessionCalls: 20, SessionGap: time.Second},
			ErrorRate: 0.005, Timeout: 15 * time.Second, Concurrency: 5},
		{Name: "billing-worker", Plan: "aws_lambda", Shape: "java", Region: awsRegion, Account: awsAccount,
			Runtime: "java21", Arch: "x86_64", MemoryMB: 2048, Duration: ms(450, 0.4), Init: ms(1800, 0.3),
			Arrival: Arrival{Pattern: PatternOfficeHours, PerHour: 120}, ErrorRate: 0.02, Timeout: 30 * time.Second},
		{Name: "nightly-report", Plan: "aws_lambda", Shape: "nodejs-legacy", Region: awsRegion, Account: awsAccount,
			Runtime: "nodejs18.x", Arch: "x86_64", MemoryMB: 256, Duration: ms(4000, 0.2),
			Arrival: Arrival{Pattern: PatternPeriodic, Every: time.Hour}, Timeout: 60 * time.Second},
		{Name: "legacy-webhook", Plan: "aws_lambda", Shape: "python", Region: awsRegion, Account: awsAccount,
			Runtime: "python3.9", Arch: "x86_64", MemoryMB: 256, Duration: ms(200, 0.4),
			Arrival: Arrival{Pattern: PatternRare, PerHour: 0.5}, Timeout: 10 * time.Second},
		{Name: "thumbnailer", Plan: "gcp_functions_gen1", Shape: "gcp", Region: gcpRegion, Account: gcpProject,
			Runtime: "nodejs20", MemoryMB: 256, Duration: ms(350, 0.5), Init: ms(900, 0.3),
			Arrival: Arrival{Pattern: PatternPoisson, PerHour: 120}, ErrorRate: 0.01, Timeout: 60 * time.Second},
		{Name: "checkout", Plan: "gcp_cloud_run", Shape: "gcp", Region: gcpRegion, Account: gcpProject,
			Runtime: "nodejs22", MemoryMB: 512, Duration: ms(90, 0.5), Init: ms(700, 0.3),
			Arrival:   Arrival{Pattern: PatternBursty, PerHour: 4, SessionCalls: 30, SessionGap: 500 * time.Millisecond},
			ErrorRate: 0.01, TimeoutRate: 0.002, Timeout: 10 * time.Second, Concurrency: 4},
		{Name: "acme-orders/HttpIngest", Plan: "azure_consumption", Shape: "azure", Region: azureRegion, Account: azureSubID,
			Runtime: "dotnet8", MemoryMB: 512, Duration: ms(200, 0.5), Init: ms(1500, 0.3),
			Arrival: Arrival{Pattern: PatternDiurnal, PerHour: 200}, ErrorRate: 0.01, TimeoutRate: 0.005, Timeout: 10 * time.Second},
		{Name: "acme-events/ProcessEvent", Plan: "azure_flex", Shape: "azure", Region: azureRegion, Account: azureSubID,
			Runtime: "dotnet8", MemoryMB: 2048, Duration: ms(60, 0.4), Init: ms(1200, 0.3),
			Arrival:   Arrival{Pattern: PatternBursty, PerHour: 10, SessionCalls: 25, SessionGap: 300 * time.Millisecond},
			ErrorRate: 0.005, Timeout: 30 * time.Second, Concurrency: 3},
	}}
}

// stressWorkload: 40 Lambda functions at 25 calls/s each (1,000/s in all),
// 50 ms median, so nearly every call is warm and every span is one record.
func stressWorkload() Workload {
	var w Workload
	shapesCycle := []string{"nodejs", "python", "nodejs-legacy", "java"}
	for i := range 40 {
		w.Functions = append(w.Functions, Function{
			Name: fmt.Sprintf("stress-%02d", i), Plan: "aws_lambda", Shape: shapesCycle[i%len(shapesCycle)],
			Region: awsRegion, Account: awsAccount, Runtime: "nodejs22.x", MemoryMB: 256,
			Duration: Dist{MedianMs: 50, Sigma: 0.5}, Arrival: Arrival{Pattern: PatternPoisson, PerHour: 90_000},
			ErrorRate: 0.01, Timeout: 3 * time.Second,
		})
	}
	return w
}
