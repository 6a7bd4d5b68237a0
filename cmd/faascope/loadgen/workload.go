package loadgen

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/faascope/faascope/billing"
	"github.com/faascope/faascope/internal/config"
)

// Workload is the traffic to generate: a set of functions.
type Workload struct {
	Functions []Function `yaml:"functions"`
}

// Function is one serverless function: where it runs, how it is billed, how
// it is instrumented, how long it runs and how often it is called.
type Function struct {
	// Name is the function's name as faascope reports it. Azure functions are
	// named "<function app>/<function>".
	Name     string `yaml:"name"`
	Plan     string `yaml:"plan"`  // a billing.Plan: aws_lambda, gcp_functions_gen1, gcp_cloud_run, azure_consumption, azure_flex
	Shape    string `yaml:"shape"` // the instrumentation whose spans to imitate, see Shapes
	Region   string `yaml:"region"`
	Account  string `yaml:"account"` // AWS account id, GCP project id, Azure subscription id
	Runtime  string `yaml:"runtime"` // e.g. nodejs22.x, python3.13, java21: chooses the default init time
	Arch     string `yaml:"arch"`    // x86_64 or arm64 (AWS)
	MemoryMB uint32 `yaml:"memory_mb"`

	Duration Dist    `yaml:"duration"` // handler time of a warm invocation
	Init     Dist    `yaml:"init"`     // init phase of a cold start; default by runtime
	Arrival  Arrival `yaml:"arrival"`

	ErrorRate   float64       `yaml:"error_rate"`   // share of invocations that fail
	TimeoutRate float64       `yaml:"timeout_rate"` // share of invocations that hit Timeout
	Timeout     time.Duration `yaml:"timeout"`      // configured time limit
	// Concurrency is the most instances that may run at once (reserved
	// concurrency, max instances); a call past it is throttled. 0: 1000.
	Concurrency int `yaml:"concurrency"`
	// IdleTimeout is how long an idle instance lives; 0 takes the provider's
	// measured value (keepwarm.md §4.2: AWS 10 min, Azure 20 min, GCP 15 min).
	IdleTimeout time.Duration `yaml:"idle_timeout"`
}

// Dist is a log-normal distribution given by its median and the standard
// deviation of its logarithm: sigma 0 is a constant, 0.5 a typical spread.
type Dist struct {
	MedianMs float64 `yaml:"median_ms"`
	Sigma    float64 `yaml:"sigma"`
}

func (d Dist) sample(r *rand.Rand) float64 {
	if d.Sigma == 0 {
		return d.MedianMs
	}
	return d.MedianMs * math.Exp(d.Sigma*r.NormFloat64())
}

// provider is the cloud a plan belongs to.
func (f *Function) provider() string {
	switch billing.Plan(f.Plan) {
	case billing.PlanGCPFunctionsGen1, billing.PlanGCPCloudRun:
		return "gcp"
	case billing.PlanAzureConsumption, billing.PlanAzureFlex:
		return "azure"
	}
	return "aws"
}

// platform is cloud.platform as faascope stores it.
func (f *Function) platform() string {
	switch f.provider() {
	case "gcp":
		return "gcp_cloud_functions" // the GCP detector's answer for both plans (telemetry §2.7)
	case "azure":
		return "azure.functions"
	}
	return "aws_lambda"
}

// initDefaults are hello-world init durations by runtime family, median ms
// (keepwarm.md §1 table, source C1); real applications are slower, so the
// presets set their own.
var initDefaults = map[string]float64{
	"nodejs": 140, "python": 85, "java": 220, "dotnet": 250, "go": 50, "provided": 50, "ruby": 240,
}

func defaultInit(runtime string) Dist {
	for prefix, ms := range initDefaults {
		if strings.HasPrefix(runtime, prefix) {
			return Dist{MedianMs: ms, Sigma: 0.3}
		}
	}
	return Dist{MedianMs: 150, Sigma: 0.3}
}

// withDefaults fills what the workload left unset.
func (f Function) withDefaults() Function {
	if f.Init.MedianMs == 0 {
		f.Init = defaultInit(f.Runtime)
	}
	if f.Concurrency == 0 {
		f.Concurrency = 1000
	}
	if f.Timeout == 0 {
		f.Timeout = 30 * time.Second
	}
	if f.Arch == "" && f.provider() == "aws" {
		f.Arch = "x86_64"
	}
	if f.IdleTimeout == 0 {
		f.IdleTimeout = map[string]time.Duration{"aws": 10 * time.Minute, "azure": 20 * time.Minute, "gcp": 15 * time.Minute}[f.provider()]
	}
	return f
}

// Validate reports every problem of the workload at once.
func (w *Workload) Validate() error {
	var errs []error
	if len(w.Functions) == 0 {
		errs = append(errs, errors.New("functions: at least one is required"))
	}
	seen := map[string]bool{}
	for i := range w.Functions {
		f := &w.Functions[i]
		key := fmt.Sprintf("functions[%d]", i)
		if seen[f.Name+"|"+f.Plan+"|"+f.Region+"|"+f.Account] {
			errs = append(errs, fmt.Errorf("%s.name: %q is listed twice", key, f.Name))
		}
		seen[f.Name+"|"+f.Plan+"|"+f.Region+"|"+f.Account] = true
		errs = append(errs, f.validate(key)...)
	}
	return errors.Join(errs...)
}

func (f *Function) validate(key string) []error {
	var errs []error
	bad := func(field, msg string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", key, field, fmt.Sprintf(msg, args...)))
	}
	if f.Name == "" {
		bad("name", "is required")
	}
	if p, ok := billing.ParsePlan(f.Plan); !ok || p == billing.PlanGeneric {
		bad("plan", "unknown plan %q (aws_lambda, gcp_functions_gen1, gcp_cloud_run, azure_consumption, azure_flex)", f.Plan)
	} else if s, ok := shapes[f.Shape]; !ok {
		bad("shape", "unknown shape %q (%s)", f.Shape, strings.Join(ShapeNames(), ", "))
	} else if s.provider != f.provider() {
		bad("shape", "%q imitates a %s instrumentation, but plan %q runs on %s", f.Shape, s.provider, f.Plan, f.provider())
	}
	if f.provider() == "azure" && strings.Count(f.Name, "/") != 1 {
		bad("name", "an Azure function is named <function app>/<function>, got %q", f.Name)
	}
	if f.Region == "" {
		bad("region", "is required")
	}
	if f.Account == "" {
		bad("account", "is required")
	}
	if f.MemoryMB == 0 {
		bad("memory_mb", "must be > 0")
	}
	if f.Duration.MedianMs <= 0 || f.Duration.Sigma < 0 || f.Init.MedianMs < 0 || f.Init.Sigma < 0 {
		bad("duration", "median_ms must be > 0 and sigma >= 0 (init too)")
	}
	if f.ErrorRate < 0 || f.TimeoutRate < 0 || f.ErrorRate+f.TimeoutRate > 1 {
		bad("error_rate", "error_rate and timeout_rate must be >= 0 and sum to at most 1")
	}
	if f.Timeout < 0 || f.Concurrency < 0 || f.IdleTimeout < 0 {
		bad("timeout", "timeout, concurrency and idle_timeout must not be negative")
	}
	if err := f.Arrival.validate(); err != nil {
		bad("arrival", "%v", err)
	}
	return errs
}

// LoadWorkload reads a workload from a YAML file.
func LoadWorkload(path string) (Workload, error) {
	var w Workload
	if err := config.LoadFile(path, &w); err != nil {
		return w, fmt.Errorf("cannot load workload: %w", err)
	}
	if err := w.Validate(); err != nil {
		return w, fmt.Errorf("workload %s is invalid:\n%w", path, err)
	}
	return w, nil
}

// Scaled returns the workload with every arrival rate multiplied by factor.
func (w Workload) Scaled(factor float64) Workload {
	out := Workload{Functions: make([]Function, len(w.Functions))}
	for i, f := range w.Functions {
		f.Arrival = f.Arrival.scaled(factor)
		out.Functions[i] = f
	}
	return out
}

// MeanPerSecond is the long-run invocation rate of the workload, before throttles.
func (w Workload) MeanPerSecond() float64 {
	sum := 0.0
	for _, f := range w.Functions {
		sum += f.Arrival.meanPerHour()
	}
	return sum / 3600
}
