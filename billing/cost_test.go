package billing

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

var jan, feb = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)

// gbs is the BilledMBms of g GB-seconds at 1024 MB.
func gbs(g float64) uint64 { return uint64(g * 1024 * 1000) }

// want is the expected quantity, free quantity and cost of one line item.
type want struct {
	kind            string
	qty, free, cost float64
}

func TestCostPrice(t *testing.T) {
	on := FreeTierPolicy{Default: true}
	tests := []struct {
		name  string
		lines []UsageLine
		ft    FreeTierPolicy
		want  [][]want // per line
	}{
		{"aws free tier shared by x86_64 and arm64 across regions", []UsageLine{
			{Account: "a", Plan: PlanAWSLambda, Region: "us-east-1", Month: jan, Requests: 1e6, BilledMBms: gbs(300000)},
			{Account: "a", Plan: PlanAWSLambda, Region: "af-south-1", Arch: ArchARM, Month: jan, Requests: 1e6, BilledMBms: gbs(300000)},
		}, on, [][]want{
			{{"requests", 1e6, 5e5, 0.1}, {"compute", 300000, 200000, 100000 * 0.0000166667}},
			{{"requests", 1e6, 5e5, 0.1}, {"compute", 300000, 200000, 100000 * 0.00001768}},
		}},
		{"free tier off for one account", []UsageLine{
			{Account: "a", Plan: PlanAWSLambda, Region: "us-east-1", Month: jan, Requests: 1e6, BilledMBms: gbs(500000)},
			{Account: "b", Plan: PlanAWSLambda, Region: "us-east-1", Month: jan, Requests: 1e6, BilledMBms: gbs(500000)},
		}, FreeTierPolicy{Default: true, Accounts: map[string]bool{"b": false}}, [][]want{
			{{"requests", 1e6, 1e6, 0}, {"compute", 500000, 400000, 100000 * 0.0000166667}},
			{{"requests", 1e6, 0, 0.2}, {"compute", 500000, 0, 500000 * 0.0000166667}},
		}},
		{"init shares the compute free tier and tiers", []UsageLine{
			{Account: "a", Plan: PlanAWSLambda, Month: jan, Region: "us-east-1", BilledMBms: gbs(500000), InitMBms: gbs(100000)},
		}, on, [][]want{
			{{"compute", 400000, 320000, 80000 * 0.0000166667}, {"init", 100000, 80000, 20000 * 0.0000166667}},
		}},
		{"x86 volume tier boundary at 6B GB-s, per region and architecture", []UsageLine{
			{Account: "a", Plan: PlanAWSLambda, Region: "us-east-1", Month: jan, BilledMBms: gbs(3.5e9)},
			{Account: "a", Plan: PlanAWSLambda, Region: "us-east-1", Month: jan, BilledMBms: gbs(3.5e9)},
			{Account: "a", Plan: PlanAWSLambda, Region: "us-east-1", Arch: ArchARM, Month: jan, BilledMBms: gbs(7e9)},
			{Account: "a", Plan: PlanAWSLambda, Region: "us-east-2", Month: jan, BilledMBms: gbs(1e9)},
		}, FreeTierPolicy{}, [][]want{
			{{"compute", 3.5e9, 0, (6e9*0.0000166667 + 1e9*0.000015) / 2}},
			{{"compute", 3.5e9, 0, (6e9*0.0000166667 + 1e9*0.000015) / 2}},
			{{"compute", 7e9, 0, 7e9 * 0.0000133334}},
			{{"compute", 1e9, 0, 1e9 * 0.0000166667}},
		}},
		{"all three x86 tiers", []UsageLine{
			{Account: "a", Plan: PlanAWSLambda, Region: "us-east-1", Month: jan, BilledMBms: gbs(16e9)},
		}, FreeTierPolicy{}, [][]want{
			{{"compute", 16e9, 0, 6e9*0.0000166667 + 9e9*0.000015 + 1e9*0.0000133334}},
		}},
		{"aws ephemeral storage, provisioned concurrency, SnapStart", []UsageLine{
			{Account: "a", Plan: PlanAWSLambda, Region: "us-east-1", Month: jan, Arch: ArchARM,
				EphemeralMBms: gbs(1000), ProvisionedMBSeconds: 1024 * 3600, ProvisionedBilledMBms: gbs(10),
				SnapStartCacheMBSeconds: 2048 * 10800, SnapStartRestoredMB: 1024 * 100},
		}, on, [][]want{{
			{"ephemeral_storage", 1000, 0, 1000 * 0.0000000309},
			{"provisioned_concurrency", 3600, 0, 3600 * 0.0000033334},
			{"provisioned_compute", 10, 0, 10 * 0.0000077778},
			{"snapstart_cache", 21600, 0, 21600 * 0.0000015046},
			{"snapstart_restore", 100, 0, 100 * 0.0001397998},
		}}},
		{"gcp tier-2 free tier is worth tier-1 prices", []UsageLine{
			{Account: "ba", Plan: PlanGCPFunctionsGen1, Region: "europe-west3", MemoryMB: 128, Month: jan,
				Requests: 10e6, BilledMBms: 10e6 * 300 * 128, BilledMs: 10e6 * 300},
		}, on, [][]want{{
			{"requests", 10e6, 2e6, 3.2},
			{"compute", 375000, 1.0 / 0.0000035, 375000*0.0000035 - 1.0},
			{"compute_cpu", 600000, 2.0 / 0.000014, 600000*0.000014 - 2.0},
		}}},
		{"cloud run vCPU from memory, tier 1, no free tier", []UsageLine{
			{Account: "ba", Plan: PlanGCPCloudRun, Region: "us-central1", MemoryMB: 512, Month: jan,
				Requests: 1e6, BilledMBms: 1e6 * 1000 * 512, BilledMs: 1e6 * 1000},
		}, FreeTierPolicy{}, [][]want{{
			{"requests", 1e6, 0, 0.4},
			{"compute", 500000, 0, 1.25},
			{"compute_cpu", 1e6 * 0.3333333333, 0, 1e6 * 0.3333333333 * 0.000024},
		}}},
		{"azure flex", []UsageLine{
			{Account: "sub", Plan: PlanAzureFlex, Region: "westeurope", MemoryMB: 2048, Month: jan,
				Requests: 1e6, BilledMBms: 1e6 * 1000 * 2048},
		}, on, [][]want{{
			{"requests", 1e6, 250000, 0.3},
			{"compute", 2e6, 100000, 1.9e6 * 0.000026},
		}}},
		{"cloudflare included amounts apply with the free tier off; subscription split by requests", []UsageLine{
			{Account: "cf", Plan: PlanCloudflareWorkers, Month: jan, Requests: 10e6, CPUms: 70e6},
			{Account: "cf", Plan: PlanCloudflareWorkers, Month: jan, Requests: 5e6, CPUms: 35e6},
		}, FreeTierPolicy{}, [][]want{
			{{"requests", 10e6, 10e6 * 2 / 3, 1.0}, {"cpu_time", 70e6, 20e6, 1.0}, {"subscription", 2.0 / 3, 0, 5.0 * 2 / 3}},
			{{"requests", 5e6, 5e6 * 2 / 3, 0.5}, {"cpu_time", 35e6, 10e6, 0.5}, {"subscription", 1.0 / 3, 0, 5.0 / 3}},
		}},
		{"each month has its own free tier", []UsageLine{
			{Account: "a", Plan: PlanAWSLambda, Region: "us-east-1", Month: jan, BilledMBms: gbs(400000)},
			{Account: "a", Plan: PlanAWSLambda, Region: "us-east-1", Month: feb, BilledMBms: gbs(400000)},
		}, on, [][]want{
			{{"compute", 400000, 400000, 0}},
			{{"compute", 400000, 400000, 0}},
		}},
		{"generic is free until priced", []UsageLine{
			{Account: "x", Plan: PlanGeneric, Month: jan, Requests: 1000, BilledMBms: gbs(10)},
		}, on, [][]want{{{"requests", 1000, 0, 0}, {"compute", 10, 0, 0}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bill, err := DefaultCatalog().Price(tt.lines, tt.ft)
			if err != nil {
				t.Fatal(err)
			}
			if len(bill.Lines) != len(tt.want) {
				t.Fatalf("%d lines, want %d", len(bill.Lines), len(tt.want))
			}
			for i, lc := range bill.Lines {
				checkItems(t, i, lc, tt.want[i])
			}
			checkInvariants(t, tt.lines, bill)
		})
	}
}

func checkItems(t *testing.T, line int, lc LineCost, want []want) {
	t.Helper()
	if len(lc.Items) != len(want) {
		t.Errorf("line %d: items %+v, want %+v", line, lc.Items, want)
		return
	}
	for j, w := range want {
		it := lc.Items[j]
		if it.Kind != w.kind || !near(it.Quantity, w.qty) || !near(it.FreeQuantity, w.free) || !near(it.Cost, w.cost) {
			t.Errorf("line %d item %d: %+v, want %+v", line, j, it, w)
		}
		if billable := it.Quantity - it.FreeQuantity; billable > 1e-9 && !near(it.Rate*billable, it.Cost) {
			t.Errorf("line %d %s: rate %g x billable %g != cost %g", line, it.Kind, it.Rate, billable, it.Cost)
		}
	}
}

// checkInvariants: line totals add up to their account-month totals, and
// those to the bill's total.
func checkInvariants(t *testing.T, lines []UsageLine, bill Bill) {
	t.Helper()
	perAccount := map[string]float64{}
	for i, lc := range bill.Lines {
		var items float64
		for _, it := range lc.Items {
			items += it.Cost
		}
		if !near(items, lc.Total) {
			t.Errorf("line %d: items add up to %g, total %g", i, items, lc.Total)
		}
		perAccount[lines[i].Provider+"/"+lines[i].Account+"/"+monthStart(lines[i].Month).String()] += lc.Total
	}
	var total float64
	for _, a := range bill.Accounts {
		k := a.Provider + "/" + a.Account + "/" + a.Month.String()
		if !near(perAccount[k], a.Total) {
			t.Errorf("account %s: lines add up to %g, account total %g", k, perAccount[k], a.Total)
		}
		delete(perAccount, k)
		total += a.Total
	}
	if len(perAccount) > 0 || !near(total, bill.Total) {
		t.Errorf("accounts %+v do not cover the lines (left %v) or add up to %g", bill.Accounts, perAccount, bill.Total)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(a), math.Abs(b)) }

// Many lines over accounts, plans, regions, architectures and months: the
// allocation keeps every sum and never gives more free units than a pool has.
func TestCostPriceAllocationInvariant(t *testing.T) {
	plans := []Plan{PlanAWSLambda, PlanGCPFunctionsGen1, PlanGCPCloudRun, PlanAzureConsumption, PlanAzureFlex, PlanCloudflareWorkers}
	regions := []string{"us-east-1", "af-south-1", "us-central1", "europe-west3", ""}
	var lines []UsageLine
	for i := range 120 {
		ms := uint64(i*7919%5000 + 1)
		lines = append(lines, UsageLine{
			Key: fmt.Sprint("f", i), Account: fmt.Sprint("acct", i%4), Provider: "p", Plan: plans[i%len(plans)],
			Region: regions[i%len(regions)], Arch: []string{"", ArchARM}[i%2], MemoryMB: uint32(128 << (i % 5)),
			Month: jan.AddDate(0, i%3, 0), Requests: uint64(i) * 40000, BilledMs: ms * 1e5,
			BilledMBms: ms * 1e5 * uint64(128<<(i%5)), InitMBms: ms * 1e3, CPUms: ms * 1e4,
		})
	}
	ft := FreeTierPolicy{Default: true, Accounts: map[string]bool{"acct3": false}}
	bill, err := DefaultCatalog().Price(lines, ft)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, lines, bill)
	if len(bill.Accounts) != 4*3 {
		t.Errorf("%d account-months, want 12", len(bill.Accounts))
	}
	free := map[string]float64{}
	for i, lc := range bill.Lines {
		for _, it := range lc.Items {
			if it.Cost < -1e-12 || it.FreeQuantity > it.Quantity+1e-9 {
				t.Errorf("line %d %+v: negative cost or free above quantity", i, it)
			}
			if lines[i].Plan == PlanAWSLambda && it.Unit == "GB-s" && it.Kind != "ephemeral_storage" {
				free[lines[i].Account+monthStart(lines[i].Month).String()] += it.FreeQuantity
			}
		}
	}
	for k, f := range free {
		if f > 400000+1e-6 {
			t.Errorf("%s: %g free AWS GB-s, more than the 400,000 pool", k, f)
		}
		if strings.HasPrefix(k, "acct3") && f != 0 {
			t.Errorf("%s: free tier given to an account with it off", k)
		}
	}
}

func TestCostPriceNotes(t *testing.T) {
	lines := []UsageLine{
		{Account: "a", Plan: PlanAWSLambda, Region: "eu-west-1", Month: jan, Requests: 1},
		{Account: "a", Plan: PlanGCPFunctionsGen1, Region: "us-central1", Month: jan, BilledMs: 100, MemoryMB: 0},
		{Account: "a", Plan: PlanGCPFunctionsGen1, Region: "us-central1", Month: jan, BilledMs: 100, MemoryMB: 65536},
		{Account: "a", Plan: PlanGCPCloudRun, Region: "us-central1", Month: jan, BilledMs: 100, MemoryMB: 300},
		{Account: "a", Plan: PlanGeneric, Month: jan, Requests: 1},
	}
	bill, err := DefaultCatalog().Price(lines, FreeTierPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{`region "eu-west-1" is not in the catalog: priced at the base rates`},
		{"memory unknown: CPU priced for the smallest size (128 MB)"},
		{"memory 65536 MB is above the largest size: CPU priced for 32768 MB"},
		nil,
		{"plan generic has no prices (all zero): set them in a price override file"},
	}
	for i, lc := range bill.Lines {
		if strings.Join(lc.Notes, "|") != strings.Join(want[i], "|") {
			t.Errorf("line %d notes %q, want %q", i, lc.Notes, want[i])
		}
	}
	// 300 MB rounds up to the 512 MB size: 0.333 vCPU.
	if it := bill.Lines[3].Items[0]; it.Kind != "compute_cpu" || !near(it.Quantity, 0.1*0.3333333333) {
		t.Errorf("cloud run 300 MB: %+v", it)
	}
}

func TestCostPriceErrors(t *testing.T) {
	c := loadOverride(t, `
plans:
  - {id: gcore_faas, provider: gcore, currency: EUR, versions: [{effective_from: "2024-01-01", sources: [https://e.com], rates: {gb_second: {price: 1}}}]}
`)
	lines := []UsageLine{
		{Key: "ok", Plan: PlanAWSLambda, Month: jan},
		{Key: "nope", Plan: "vercel", Month: jan},
		{Key: "ppc", Plan: PlanAWSLambda, Arch: "ppc64le", Month: jan},
		{Key: "old", Plan: PlanAzureFlex, Month: time.Date(2024, 10, 31, 23, 0, 0, 0, time.UTC)},
		{Key: "init", Plan: PlanAWSLambda, Month: jan, BilledMBms: 1, InitMBms: 2},
	}
	_, err := c.Price(lines, FreeTierPolicy{})
	wantErr := strings.Join([]string{
		`line 1 (nope): unknown plan "vercel"`,
		`line 2 (ppc): unknown architecture "ppc64le" (want x86_64 or arm64)`,
		`line 3 (old): no azure_flex prices in force on 2024-10-01`,
		`line 4 (init): InitMBms 2 exceeds BilledMBms 1`,
	}, "\n")
	if err == nil || err.Error() != wantErr {
		t.Errorf("error:\n%v\nwant:\n%s", err, wantErr)
	}
	_, err = c.Price([]UsageLine{lines[0], {Key: "eur", Plan: "gcore_faas", Month: jan}}, FreeTierPolicy{})
	if err == nil || err.Error() != "line 1 (eur): plan gcore_faas is priced in EUR, the others in USD" {
		t.Errorf("mixed currencies: %v", err)
	}
	if bill, err := c.Price(nil, FreeTierPolicy{}); err != nil || bill.Total != 0 || len(bill.Lines) != 0 {
		t.Errorf("no lines: %+v, %v", bill, err)
	}
}

func TestCostGBHelpers(t *testing.T) {
	if MBToGB(512) != 0.5 || MBmsToGBs(1536*1000) != 1.5 {
		t.Errorf("MBToGB(512) = %g, MBmsToGBs(1536000) = %g", MBToGB(512), MBmsToGBs(1536*1000))
	}
}

// pricingExample is one entry of ../shared/fixtures/pricing-examples.json.
type pricingExample struct {
	ID       int             `json:"id"`
	Inputs   json.RawMessage `json:"inputs"`
	Expected json.RawMessage `json:"expected"`
}

// Examples 5 and 7 are metering rules; the cost examples run through the
// estimate command in cmd/faascope.
func TestCostPricingExamplesMetering(t *testing.T) {
	data, err := os.ReadFile("../../shared/fixtures/pricing-examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var examples []pricingExample
	if err := json.Unmarshal(data, &examples); err != nil {
		t.Fatal(err)
	}
	for _, ex := range examples {
		switch ex.ID {
		case 5:
			var in struct {
				DurationMs float64 `json:"duration_ms"`
			}
			var exp struct {
				BilledMs uint32 `json:"billed_ms"`
			}
			mustUnmarshal(t, ex, &in, &exp)
			if got := MeterFor(PlanGCPFunctionsGen1).Meter(Usage{DurationMs: in.DurationMs}).BilledDurationMs; got != exp.BilledMs {
				t.Errorf("example 5: %g ms billed %d, want %d", in.DurationMs, got, exp.BilledMs)
			}
		case 7:
			var in struct {
				Samples []struct {
					DurationMs float64 `json:"duration_ms"`
					MemoryMB   uint32  `json:"observed_memory_mb"`
				} `json:"samples"`
			}
			var exp struct {
				Billed []struct {
					Ms       uint32  `json:"ms"`
					MemoryMB uint32  `json:"memory_mb"`
					GBs      float64 `json:"gb_s"`
				} `json:"billed"`
			}
			mustUnmarshal(t, ex, &in, &exp)
			for i, s := range in.Samples {
				m := MeterFor(PlanAzureConsumption).Meter(Usage{DurationMs: s.DurationMs, MemoryMB: s.MemoryMB})
				w := exp.Billed[i]
				gb := MBmsToGBs(float64(m.BilledDurationMs) * float64(m.BilledMemoryMB))
				if m.BilledDurationMs != w.Ms || m.BilledMemoryMB != w.MemoryMB || !near(gb, w.GBs) {
					t.Errorf("example 7 sample %d: %+v = %g GB-s, want %+v", i, m, gb, w)
				}
			}
		}
	}
}

func mustUnmarshal(t *testing.T, ex pricingExample, in, exp any) {
	t.Helper()
	if err := json.Unmarshal(ex.Inputs, in); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(ex.Expected, exp); err != nil {
		t.Fatal(err)
	}
}
