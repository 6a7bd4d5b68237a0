package keepwarm

import (
	"strings"
	"time"

	"github.com/faascope/faascope/billing"
)

// provider is what the recommender knows about a function's platform.
type provider struct {
	plan     billing.Plan
	name     string        // aws | azure | gcp | other
	evict    time.Duration // prior idle lifetime (§4.2)
	reserved string        // the reserved-capacity action the platform offers, "" for none
}

// providerOf resolves the plan and its platform facts. Priors (§4.2): AWS
// 10 min since 2019 (C2), Azure Consumption 20 min (C2, C6), Google
// "unspecified", 15 min as the commonly quoted but unconfirmed value [U].
func providerOf(fn *Function) provider {
	plan, ok := billing.ParsePlan(fn.Plan)
	if !ok {
		plan = billing.DefaultPlan(fn.Provider, fn.Platform)
	}
	switch plan {
	case billing.PlanAWSLambda:
		return provider{plan: plan, name: "aws", evict: 10 * time.Minute, reserved: ActionProvisioned}
	case billing.PlanAzureConsumption:
		return provider{plan: plan, name: "azure", evict: 20 * time.Minute}
	case billing.PlanAzureFlex:
		return provider{plan: plan, name: "azure", evict: 20 * time.Minute, reserved: ActionAlwaysReady}
	case billing.PlanGCPFunctionsGen1, billing.PlanGCPCloudRun:
		return provider{plan: plan, name: "gcp", evict: 15 * time.Minute, reserved: ActionMinInstances}
	}
	return provider{plan: plan, name: "other", evict: 10 * time.Minute}
}

// runtimeInit is the hello-world init by runtime family, ms, 512 MB x86 zip
// (§4.1 table, maxday/lambda-perf C1). Real functions are slower; the trace's
// own init wins whenever it has one.
var runtimeInit = []struct {
	prefix string
	ms     int
}{
	{"rust", 18}, {"go", 49}, {"provided", 49}, {"python", 86}, {"nodejs", 139},
	{"java", 202}, {"dotnet", 268}, {"ruby", 247},
}

// defaultInit is the §4.1 init for runtime, or 150 ms, the middle of the
// table, when the runtime is unknown.
func defaultInit(runtime string) time.Duration {
	r := strings.ToLower(runtime)
	for _, e := range runtimeInit {
		if strings.HasPrefix(r, e.prefix) {
			return time.Duration(e.ms) * time.Millisecond
		}
	}
	return 150 * time.Millisecond
}

// heavyInitRuntime reports whether a slow init on this runtime has a cheaper
// cure than keep-warm: SnapStart (Java, Python 3.12+, .NET 8+) or AOT (A5, §5.4).
func heavyInitRuntime(runtime string, initP50 time.Duration) bool {
	r := strings.ToLower(runtime)
	managed := strings.HasPrefix(r, "java") || strings.HasPrefix(r, "dotnet") || strings.HasPrefix(r, "python")
	return managed && initP50 > 2*defaultInit(runtime)
}

// syncTrigger reports whether a cold start is felt by a waiting caller: HTTP,
// and unknown triggers since most functions are HTTP (K5: 55 %). Queue,
// stream, timer and storage triggers are async (§5.6).
func syncTrigger(trigger string) bool {
	switch strings.ToLower(trigger) {
	case "http", "", "other":
		return true
	}
	return false
}
