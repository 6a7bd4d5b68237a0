package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/billing"
)

// pricingExample is one entry of ../shared/fixtures/pricing-examples.json.
type pricingExample struct {
	ID       int                `json:"id"`
	Inputs   map[string]any     `json:"inputs"`
	Expected map[string]any     `json:"expected"`
	Rates    map[string]float64 `json:"rates"`
}

func loadPricingExamples(t *testing.T) map[int]pricingExample {
	t.Helper()
	data, err := os.ReadFile("../../../shared/fixtures/pricing-examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var list []pricingExample
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	out := map[int]pricingExample{}
	for _, ex := range list {
		out[ex.ID] = ex
	}
	return out
}

// check maps an expected figure of the fixture to the estimate: the sum of
// a field over line items of the given kinds.
type check struct {
	key   string   // path in "expected", e.g. "compute_cost" or "with_100ms_rounding.total"
	field string   // cost, qty or billable; "total" for the estimate total
	kinds []string // line item kinds summed
}

func costOf(key string, kinds ...string) check { return check{key, "cost", kinds} }
func qtyOf(key string, kinds ...string) check  { return check{key, "qty", kinds} }
func billOf(key string, kinds ...string) check { return check{key, "billable", kinds} }
func totalOf(key string) check                 { return check{key: key, field: "total"} }

func TestEstimatePricingExamples(t *testing.T) {
	examples := loadPricingExamples(t)
	legacy := legacyAWSOverride(t, examples[2].Rates)
	tests := []struct {
		name   string
		id     int
		args   func(in map[string]any) []string
		checks []check
	}{
		{"1 provisioned concurrency", 1, func(in map[string]any) []string {
			return awsArgs(in, "--invocations", in["invocations_on_demand"], "--duration-ms", in["duration_ms_each_on_demand"],
				"--provisioned-concurrency", in["provisioned_concurrency"], "--provisioned-hours", in["provisioned_seconds"].(float64)/3600,
				"--pc-invocations", in["invocations_on_pc"], "--pc-duration-ms", in["duration_ms_each_on_pc"])
		}, []check{
			qtyOf("pc_gb_s", "provisioned_concurrency"), costOf("pc_cost", "provisioned_concurrency"),
			qtyOf("pc_compute_gb_s", "provisioned_compute"), costOf("pc_compute_cost", "provisioned_compute"),
			qtyOf("on_demand_gb_s", "compute"), billOf("on_demand_billable_gb_s", "compute"), costOf("compute_cost", "compute"),
			billOf("billable_requests", "requests"), costOf("request_cost", "requests"), totalOf("total"),
		}},
		{"2 legacy rate via override", 2, func(in map[string]any) []string {
			return append(awsArgs(in, "--invocations", in["invocations"], "--duration-ms", in["duration_ms_each"]), "--prices", legacy)
		}, []check{
			qtyOf("total_gb_s", "compute"), billOf("billable_gb_s", "compute"),
			costOf("compute_cost", "compute"), costOf("request_cost", "requests"), totalOf("total"),
		}},
		{"2 at the current rate", 2, func(in map[string]any) []string {
			return awsArgs(in, "--invocations", in["invocations"], "--duration-ms", in["duration_ms_each"])
		}, []check{
			costOf("derived_at_current_rate.compute_cost", "compute"), totalOf("derived_at_current_rate.total"),
		}},
		{"3 1 ms billing", 3, func(in map[string]any) []string {
			return awsArgs(in, "--invocations", in["invocations"], "--duration-ms", in["duration_ms_each"])
		}, []check{costOf("compute_cost", "compute"), costOf("request_cost", "requests"), totalOf("total")}},
		{"3 100 ms billing", 3, func(in map[string]any) []string {
			return awsArgs(in, "--invocations", in["invocations"], "--duration-ms", in["duration_ms_each"], "--granularity-ms", 100)
		}, []check{costOf("with_100ms_rounding.compute_cost", "compute"), totalOf("with_100ms_rounding.total")}},
		{"4 gcp 1st gen tier 1", 4, func(in map[string]any) []string {
			return args("--plan", billing.PlanGCPFunctionsGen1, "--region", "us-central1", "--memory-mb", in["memory_mb"],
				"--invocations", in["invocations"], "--duration-ms", in["duration_ms_each"], "--free-tier", onOff(in))
		}, []check{
			qtyOf("gb_s", "compute"), qtyOf("ghz_s", "compute_cpu"), billOf("billable_gb_s", "compute"), billOf("billable_ghz_s", "compute_cpu"),
			costOf("memory_cost", "compute"), costOf("cpu_cost", "compute_cpu"), costOf("compute_cost", "compute", "compute_cpu"),
			costOf("request_cost", "requests"), totalOf("total"),
		}},
		{"6 azure consumption", 6, func(in map[string]any) []string {
			return args("--plan", billing.PlanAzureConsumption, "--region", in["region"], "--memory-mb", in["memory_mb"],
				"--invocations", in["invocations"], "--duration-ms", in["duration_ms_each"], "--free-tier", onOff(in))
		}, []check{
			qtyOf("total_gb_s", "compute"), billOf("billable_gb_s", "compute"), costOf("compute_cost", "compute"),
			billOf("billable_requests", "requests"), costOf("request_cost", "requests"), totalOf("total"),
		}},
		{"8 cloudflare workers", 8, func(in map[string]any) []string {
			return args("--provider", "cloudflare", "--invocations", in["invocations"], "--cpu-ms", in["cpu_ms_each"], "--free-tier", onOff(in))
		}, []check{
			costOf("subscription", "subscription"), costOf("request_cost", "requests"), costOf("compute_cost", "cpu_time"), totalOf("total"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := examples[tt.id]
			est := runEstimateJSON(t, tt.args(ex.Inputs)...)
			if est.Currency != ex.Expected["currency"] {
				t.Errorf("currency %s, want %v", est.Currency, ex.Expected["currency"])
			}
			for _, c := range tt.checks {
				want := lookup(t, ex.Expected, c.key)
				if got := c.value(est); !sameFigure(c.field, got, want) {
					t.Errorf("%s: %s = %.6f, want %g (items %+v)", c.key, c.field, got, want, est.Items)
				}
			}
		})
	}
}

// Examples 3 (billed duration samples), 5 and 7 are metering rules; the
// command meters with billing.MeterFor, so one invocation shows the billed duration.
func TestEstimateMeteringExamples(t *testing.T) {
	examples := loadPricingExamples(t)
	samples := examples[3].Expected["billed_duration_samples"].([]any)
	tests := []struct {
		name   string
		args   []any
		wantMs float64
		wantMB float64
	}{
		{"3 1 ms rule", []any{"--plan", billing.PlanAWSLambda, "--duration-ms", samples[0].(map[string]any)["duration_ms"]}, sampleMs(samples[0]), 1024},
		{"3 100 ms rule", []any{"--plan", billing.PlanAWSLambda, "--granularity-ms", 100, "--duration-ms", samples[1].(map[string]any)["duration_ms"]}, sampleMs(samples[1]), 1024},
		{"5 gcp 1st gen 100 ms", []any{"--plan", billing.PlanGCPFunctionsGen1, "--duration-ms", examples[5].Inputs["duration_ms"]}, examples[5].Expected["billed_ms"].(float64), 1024},
	}
	for i, s := range examples[7].Inputs["samples"].([]any) {
		in, want := s.(map[string]any), examples[7].Expected["billed"].([]any)[i].(map[string]any)
		tests = append(tests, struct {
			name           string
			args           []any
			wantMs, wantMB float64
		}{fmt.Sprintf("7 azure sample %d", i), []any{"--plan", billing.PlanAzureConsumption, "--duration-ms", in["duration_ms"], "--memory-mb", in["observed_memory_mb"]}, want["ms"].(float64), want["memory_mb"].(float64)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := append([]any{"--invocations", 1, "--memory-mb", 1024, "--free-tier", "off", "--month", "2026-01"}, tt.args...)
			est := runEstimateJSON(t, args(a...)...)
			if got, want := float64(est.Usage.BilledMBms), tt.wantMs*tt.wantMB; got != want {
				t.Errorf("billed MB-ms %g, want %g ms x %g MB", got, tt.wantMs, tt.wantMB)
			}
		})
	}
}

func TestEstimateInitAndEphemeral(t *testing.T) {
	base := []any{"--plan", "aws_lambda", "--region", "us-east-1", "--memory-mb", 1024, "--invocations", 1000,
		"--duration-ms", 100.4, "--init-ms", 499.7, "--cold-start-share", 0.1, "--ephemeral-mb", 1536, "--free-tier", "off"}
	before := runEstimateJSON(t, args(append(base, "--month", "2025-07")...)...)
	after := runEstimateJSON(t, args(append(base, "--month", "2025-08")...)...)
	// 900 warm x 101 ms; 100 cold x ceil(100.4+499.7) = 601 ms from 2025-08-01, 101 ms before.
	if before.Usage.InitMBms != 0 || before.Usage.BilledMs != 1000*101 {
		t.Errorf("July 2025: %+v", before.Usage)
	}
	if after.Usage.InitMBms != 100*500*1024 || after.Usage.BilledMs != 900*101+100*601 || after.Usage.EphemeralMBms != 1024*after.Usage.BilledMs {
		t.Errorf("August 2025: %+v", after.Usage)
	}
	if got := itemSum(after, "qty", "init"); got != billing.MBmsToGBs(100*500*1024) {
		t.Errorf("init line item %g GB-s", got)
	}
	if got := itemSum(after, "qty", "ephemeral_storage"); got != float64(after.Usage.BilledMs)/1000 {
		t.Errorf("ephemeral storage %g GB-s", got)
	}
}

func TestEstimateTable(t *testing.T) {
	var out, errOut bytes.Buffer
	code := runCost(strings.Fields("estimate --plan azure_flex --region eastus --memory-mb 2048 --invocations 1000000 --duration-ms 1000 --month 2026-01"), time.Now(), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	want := `azure_flex, region "eastus", x86_64, 2048 MB, 2026-01, free tier on

ITEM      QUANTITY  UNIT        FREE    RATE (USD/unit)  COST (USD)
requests  1000000   executions  250000  0.0000004        0.30
compute   2000000   GB-s        100000  0.000026         49.40
total                                                    49.70
`
	if out.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestEstimateDefaultMonthAndNotes(t *testing.T) {
	var out, errOut bytes.Buffer
	now := time.Date(2026, 5, 31, 23, 0, 0, 0, time.FixedZone("x", -3600*5))
	code := runCost(strings.Fields("estimate --plan gcp_cloud_run --region mars1 --invocations 10 --duration-ms 5"), now, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), ", 2026-06, free tier on") ||
		!strings.Contains(out.String(), `note: region "mars1" is not in the catalog: priced at region group tier2`) {
		t.Errorf("exit %d:\n%s%s", code, out.String(), errOut.String())
	}
}

func TestEstimateBadFlags(t *testing.T) {
	tests := []struct {
		args string
		code int
		want string
	}{
		{"", 2, "faascope cost estimate [flags]"},
		{"forecast", 2, "faascope cost estimate [flags]"},
		{"estimate --invocations lots", 2, `invalid value "lots" for flag -invocations`},
		{"estimate --plan aws_lambda extra", 2, `unexpected arguments ["extra"]`},
		{"estimate", 2, "set --plan (aws_lambda, azure_consumption, azure_flex, cloudflare_workers, gcp_functions_gen1, gcp_cloud_run, generic) or --provider"},
		{"estimate --plan vercel", 2, `--plan: unknown plan "vercel" (known: aws_lambda,`},
		{"estimate --provider gcp", 2, "--provider: gcp has several plans (gcp_functions_gen1, gcp_cloud_run): pick one with --plan"},
		{"estimate --provider ibm", 2, `--provider: no plan for provider "ibm"`},
		{"estimate --plan aws_lambda --month 2026-13", 2, "--month: want YYYY-MM, got \"2026-13\""},
		{"estimate --plan aws_lambda --month 2019-01", 2, "no aws_lambda prices in force on 2019-01-01"},
		{"estimate --plan aws_lambda --arch sparc --free-tier maybe --format xml --cold-start-share 2 --memory-mb 0 --duration-ms -1 --cpu-ms NaN",
			2, strings.Join([]string{
				"--arch: want x86_64 or arm64, got \"sparc\"",
				"--cold-start-share: want a share between 0 and 1, got 2",
				"--cpu-ms: want a finite number >= 0, got NaN",
				"--duration-ms: want a finite number >= 0, got -1",
				"--format: want table or json, got \"xml\"",
				"--free-tier: want on or off, got \"maybe\"",
				"--memory-mb: want a positive size in MB, got 0",
			}, "\n")},
		{"estimate --plan aws_lambda --prices /nonexistent/prices.yaml", 1, "cannot read price overrides: "},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := runCost(strings.Fields(tt.args), time.Now(), &out, &errOut)
			if code != tt.code || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, errOut.String(), tt.code, tt.want)
			}
		})
	}
	var out bytes.Buffer
	if code := run(t.Context(), []string{"cost", "help"}, nil, &out, &out); code != 0 || !strings.Contains(out.String(), "cost estimate") {
		t.Errorf("faascope cost help: exit %d, %s", code, out.String())
	}
}

// legacyAWSOverride writes an override with the legacy page's rates
// (example 2: $0.00001667 per GB-s) as the aws_lambda plan.
func legacyAWSOverride(t *testing.T, rates map[string]float64) string {
	t.Helper()
	yaml := fmt.Sprintf(`
sources:
  S14: https://aws.amazon.com/lambda/pricing/ (legacy 100 ms-era version of the page)
plans:
  - id: aws_lambda
    provider: aws
    description: AWS Lambda at the legacy page's rounded rate
    currency: USD
    versions:
      - effective_from: "2020-01-01"
        sources: [S14]
        rates:
          request: {price: %g, per: 1000000}
          gb_second: {price: %g}
        free_tier: {amounts: {request: %g, gb_second: %g}}
`, rates["per_million_requests"], rates["gb_s"], rates["free_requests"], rates["free_gb_s"])
	path := filepath.Join(t.TempDir(), "legacy.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func awsArgs(in map[string]any, extra ...any) []string {
	a := []any{"--plan", billing.PlanAWSLambda, "--region", in["region"], "--arch", in["arch"], "--memory-mb", in["memory_mb"], "--free-tier", onOff(in)}
	return args(append(a, extra...)...)
}

// args formats flag values; months are fixed so the tests do not depend on the clock.
func args(a ...any) []string {
	out := []string{"estimate", "--format", "json", "--month", "2026-01"}
	for _, v := range a {
		if f, ok := v.(float64); ok { // JSON numbers: no exponent, which uint flags reject
			v = strconv.FormatFloat(f, 'f', -1, 64)
		}
		out = append(out, fmt.Sprint(v))
	}
	return out
}

func onOff(in map[string]any) string {
	if in["free_tier_applied"] == true {
		return "on"
	}
	return "off"
}

func sampleMs(s any) float64 { return s.(map[string]any)["billed_ms"].(float64) }

func runEstimateJSON(t *testing.T, a ...string) estimate {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := runCost(a, time.Now(), &out, &errOut); code != 0 {
		t.Fatalf("faascope cost %s: exit %d: %s", strings.Join(a, " "), code, errOut.String())
	}
	var est estimate
	if err := json.Unmarshal(out.Bytes(), &est); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	return est
}

func lookup(t *testing.T, m map[string]any, key string) float64 {
	t.Helper()
	var v any = m
	for _, k := range strings.Split(key, ".") {
		v = v.(map[string]any)[k]
	}
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("expected.%s is %v, not a number", key, v)
	}
	return f
}

func (c check) value(e estimate) float64 {
	if c.field == "total" {
		return centsTotal(e) // providers add up lines rounded to cents (pricing.md §7.2)
	}
	return itemSum(e, c.field, c.kinds...)
}

func itemSum(e estimate, field string, kinds ...string) float64 {
	var s float64
	for _, it := range e.Items {
		for _, k := range kinds {
			if it.Kind != k {
				continue
			}
			switch field {
			case "cost":
				s += it.Cost
			case "qty":
				s += it.Quantity
			case "billable":
				s += it.Quantity - it.FreeQuantity
			}
		}
	}
	return s
}

func centsTotal(e estimate) float64 {
	var s float64
	for _, it := range e.Items {
		s += math.Round(it.Cost * 100)
	}
	return s / 100
}

// sameFigure compares money to the cent and quantities to a millionth.
func sameFigure(field string, got, want float64) bool {
	if field == "cost" || field == "total" {
		return math.Round(got*100) == math.Round(want*100)
	}
	return math.Abs(got-want) <= 1e-6*max(1, math.Abs(want))
}
