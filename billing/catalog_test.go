package billing

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCostDefaultCatalogValid(t *testing.T) {
	c, err := compile(embeddedFiles(), nil)
	if err != nil {
		t.Fatalf("embedded catalog: %v", err)
	}
	for _, id := range []Plan{PlanAWSLambda, PlanGCPFunctionsGen1, PlanGCPCloudRun, PlanAzureConsumption, PlanAzureFlex, PlanCloudflareWorkers, PlanGeneric} {
		if _, ok := c.plans[id]; !ok {
			t.Errorf("plan %s missing from the embedded catalog", id)
		} else if p, ok := ParsePlan(string(id)); !ok || p != id {
			t.Errorf("ParsePlan(%s) does not know an embedded plan", id)
		}
	}
	for id, p := range c.plans {
		if len(p.info.Sources) == 0 || p.info.Description == "" {
			t.Errorf("plan %s: no sources or description", id)
		}
		for _, v := range p.versions {
			for group, byArch := range v.sets {
				for arch, set := range byArch {
					for key, r := range set {
						if len(r.sources) == 0 {
							t.Errorf("%s %s/%s/%s: rate without a source", id, group, arch, key)
						}
					}
				}
			}
		}
	}
}

// Embedded files may define the same source tag, but it must mean the same thing.
func TestCostEmbeddedSourceTagsAgree(t *testing.T) {
	seen := map[string]string{}
	for _, f := range embeddedFiles() {
		doc, err := decodeCatalogFile(f.data)
		if err != nil {
			t.Fatal(err)
		}
		for tag, ref := range doc.Sources {
			if prev, ok := seen[tag]; ok && prev != ref {
				t.Errorf("%s: source %s is %q here and %q elsewhere", f.name, tag, ref, prev)
			}
			seen[tag] = ref
		}
	}
}

// The 1st gen per-100 ms Tier-1 prices by size [G4] must follow from the
// catalog's GB-s and GHz-s rates and memory->GHz map (pricing.md §2.1).
func TestCostGen1PricePer100ms(t *testing.T) {
	v := mustVersion(t, DefaultCatalog(), PlanGCPFunctionsGen1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rates, _ := v.ratesFor("us-central1", ArchX86)
	published := map[uint32]float64{128: 0.000000231, 256: 0.000000463, 512: 0.000000925, 1024: 0.000001650,
		2048: 0.000002900, 4096: 0.000005800, 8192: 0.000006800, 16384: 0.000013600, 32768: 0.000027200}
	for mb, want := range published {
		ghz, note := v.cpuUnits(mb)
		got := 0.1 * (MBToGB(float64(mb))*rates["gb_second"].listPrice() + ghz*rates["ghz_second"].listPrice())
		if math.Abs(got-want) > 0.5e-9 || note != "" {
			t.Errorf("%d MB: %.4g per 100 ms (note %q), published %.4g", mb, got, note, want)
		}
	}
}

func TestCostRatesForRegion(t *testing.T) {
	c := DefaultCatalog()
	month := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		plan         Plan
		region, arch string
		want         float64
		note         string
	}{
		{PlanAWSLambda, "us-east-1", ArchX86, 0.0000166667, ""},
		{PlanAWSLambda, "us-east-1", ArchARM, 0.0000133334, ""},
		{PlanAWSLambda, "af-south-1", ArchX86, 0.0000221, ""},
		{PlanAWSLambda, "me-central-1", ArchARM, 0.0000165334, ""},
		{PlanAWSLambda, "eu-west-1", ArchX86, 0.0000166667, `region "eu-west-1" is not in the catalog: priced at the base rates`},
		{PlanGCPFunctionsGen1, "us-central1", ArchX86, 0.0000025, ""},
		{PlanGCPFunctionsGen1, "europe-west3", ArchX86, 0.0000035, ""},
		{PlanGCPFunctionsGen1, "me-west1", ArchX86, 0.0000035, `region "me-west1" is not in the catalog: priced at region group tier2`},
		{PlanGCPCloudRun, "europe-west4", ArchX86, 0.0000025, ""},
		{PlanAzureConsumption, "east us", ArchX86, 0.000016, ""},
	}
	for _, tt := range tests {
		rates, note := mustVersion(t, c, tt.plan, month).ratesFor(tt.region, tt.arch)
		if got := rates["gb_second"].listPrice(); got != tt.want || note != tt.note {
			t.Errorf("%s %s %s: %g, %q; want %g, %q", tt.plan, tt.region, tt.arch, got, note, tt.want, tt.note)
		}
	}
}

func TestCostVersionAt(t *testing.T) {
	c := loadOverride(t, `
plans:
  - id: knative_chargeback
    provider: knative
    description: internal chargeback
    currency: USD
    versions:
      - {effective_from: "2024-01-01", effective_until: "2024-07-01", sources: [https://example.com/2024], rates: {gb_second: {price: 0.00002}}}
      - {effective_from: "2025-01-01", sources: [https://example.com/2025], rates: {gb_second: {price: 0.00001}}}
`)
	p := c.plans["knative_chargeback"]
	tests := []struct {
		at   time.Time
		want float64
		err  string
	}{
		{time.Date(2023, 12, 31, 23, 0, 0, 0, time.UTC), 0, "no knative_chargeback prices in force on 2023-12-31"},
		{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), 0.00002, ""},
		{time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC), 0.00002, ""},
		{time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), 0, "no knative_chargeback prices in force on 2024-07-01"},
		{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), 0.00001, ""},
		{time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 0.00001, ""},
	}
	for _, tt := range tests {
		v, err := p.versionAt(tt.at)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("versionAt(%s) error %v, want %q", tt.at, err, tt.err)
			}
			continue
		}
		if err != nil || v.sets[""][ArchX86]["gb_second"].listPrice() != tt.want {
			t.Errorf("versionAt(%s) = %v, %v; want price %g", tt.at, v, err, tt.want)
		}
	}
}

func TestCostPlans(t *testing.T) {
	c := loadOverride(t, `
sources:
  IBM: https://cloud.ibm.com/functions/learn/pricing
plans:
  - id: aws_lambda
    provider: aws
    description: negotiated
    currency: USD
    versions:
      - {effective_from: "2026-01-01", sources: [IBM], rates: {gb_second: {price: 0.00001}}}
  - id: ibm_functions
    provider: ibm
    description: IBM Cloud Functions
    currency: USD
    versions:
      - {effective_from: "2020-01-01", sources: [IBM], rates: {gb_second: {price: 0.000017}}}
`)
	var ids []Plan
	for _, p := range c.Plans() {
		ids = append(ids, p.ID)
	}
	want := []Plan{PlanAWSLambda, PlanAzureConsumption, PlanAzureFlex, PlanCloudflareWorkers, PlanGCPFunctionsGen1, PlanGCPCloudRun, PlanGeneric, "ibm_functions"}
	if !slices.Equal(ids, want) {
		t.Fatalf("Plans() ids %v, want %v", ids, want)
	}
	aws := c.Plans()[0]
	if !aws.Custom || aws.Description != "negotiated" || len(aws.Versions) != 1 {
		t.Errorf("aws_lambda not replaced by the override: %+v", aws)
	}
	if got := aws.Sources; len(got) != 1 || got[0] != (Source{Tag: "IBM", Ref: "https://cloud.ibm.com/functions/learn/pricing"}) {
		t.Errorf("sources %+v", got)
	}
	def := DefaultCatalog().Plans()[0]
	if def.Custom || def.Sources[0] != (Source{Tag: "S1", Ref: "https://aws.amazon.com/lambda/pricing/"}) {
		t.Errorf("embedded aws_lambda %+v", def)
	}
}

func TestCostLoadCatalog(t *testing.T) {
	if c, err := LoadCatalog(""); err != nil || c != DefaultCatalog() {
		t.Errorf(`LoadCatalog("") = %p, %v; want the default catalog`, c, err)
	}
	if _, err := LoadCatalog(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.HasPrefix(err.Error(), "cannot read price overrides: ") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := LoadCatalog("../deploy/config/prices-override.example.yaml"); err != nil {
		t.Errorf("example override file: %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := LoadCatalog(empty); err != nil || len(c.Plans()) != len(DefaultCatalog().Plans()) {
		t.Errorf("empty override: %v", err)
	}
}

func TestCostOverrideValidation(t *testing.T) {
	const head = "plans:\n  - id: custom\n    provider: ibm\n    currency: USD\n    versions:\n"
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown keys", head + `
      - effective_from: "2024-01-01"
        sources: [https://example.com/prices]
        ratez: {}
        rates:
          gb_second: {price: 0.000017, extra: 1}
        free_tier: {amounts: {gb_second: 1}, scope: org}
colour: blue
`, []string{
			"plans[0].versions[0].ratez: unknown key",
			"plans[0].versions[0].rates.gb_second.extra: unknown key",
			"plans[0].versions[0].free_tier.scope: unknown key",
			"colour: unknown key",
		}},
		{"prices and sources", `
plans:
  - id: Custom Plan
    currency: usd
    versions:
      - effective_from: "2024-01-01"
        sources: [IBM]
        rates:
          request: {price: 0.1, per: 0}
          gigaflops: {price: 1}
          gb_second: {price: -1, source: [S99]}
        free_tier: {amounts: {gb_second: -5, cpu_ms: 1}}
`, []string{
			`plans[0].id: required, lower case without spaces (got "Custom Plan")`,
			"plans[0].provider: required",
			`plans[0].currency: want a 3-letter ISO code such as USD (got "usd")`,
			`plans[0].versions[0].sources[0]: unknown source "IBM": define it under sources or give a URL`,
			`plans[0].versions[0].rates.gb_second.source[0]: unknown source "S99": define it under sources or give a URL`,
			"plans[0].versions[0].rates.gb_second.price: must be >= 0 (got -1)",
			"plans[0].versions[0].rates.gigaflops: unknown rate (known: " + strings.Join(rateKeys(), ", ") + ")",
			"plans[0].versions[0].rates.request.per: must be > 0",
			"plans[0].versions[0].free_tier.amounts.cpu_ms: the version has no cpu_ms rate",
			"plans[0].versions[0].free_tier.amounts.gb_second: must be >= 0 (got -5)",
		}},
		{"dates", head + `
      - {effective_from: "2024-01-01", effective_until: "2024-06-01", sources: [https://e.com], rates: {gb_second: {price: 1}}}
      - {effective_from: "2024-03-01", sources: [https://e.com], rates: {gb_second: {price: 1}}}
      - {effective_from: "2024-02-01", sources: [https://e.com], rates: {gb_second: {price: 1}}}
      - {effective_from: "2024-02-01", sources: [https://e.com], rates: {gb_second: {price: 1}}}
      - {effective_from: "March 2025", sources: [https://e.com], rates: {gb_second: {price: 1}}}
      - {effective_from: "2025-05-01", effective_until: "2025-04-01", sources: [https://e.com], rates: {gb_second: {price: 1}}}
      - {sources: [], rates: {}}
`, []string{
			"plans[0].versions[1].effective_from: 2024-03-01 overlaps the previous version, in force until 2024-06-01",
			"plans[0].versions[2].effective_from: 2024-02-01 is before the previous version's 2024-03-01: versions must be sorted by date",
			"plans[0].versions[3].effective_from: 2024-02-01 is the previous version's date too: versions must not overlap",
			`plans[0].versions[4].effective_from: want a date YYYY-MM-DD (got "March 2025")`,
			"plans[0].versions[5].effective_until: must be after effective_from",
			"plans[0].versions[6].effective_from: required (YYYY-MM-DD)",
			"plans[0].versions[6].sources: at least one source required",
			"plans[0].versions[6].rates: at least one rate required",
		}},
		{"tiers", head + `
      - effective_from: "2024-01-01"
        sources: [https://e.com]
        rates:
          gb_second:
            tiers:
              - {up_to: 100, price: 1}
              - {up_to: 50, price: 0.5}
              - {price: 0.1}
              - {up_to: 1000}
          request: {price: 1, tiers: [{price: 1}]}
          cpu_ms: {}
`, []string{
			"plans[0].versions[0].rates.cpu_ms: price or tiers required",
			"plans[0].versions[0].rates.gb_second.tiers[1].up_to: must be greater than the previous bound 100",
			"plans[0].versions[0].rates.gb_second.tiers[2].up_to: required on every tier but the last",
			"plans[0].versions[0].rates.gb_second.tiers[3].price: required",
			"plans[0].versions[0].rates.request: set price or tiers, not both",
		}},
		{"open-ended tier", head + `
      - {effective_from: "2024-01-01", sources: [https://e.com], rates: {gb_second: {tiers: [{up_to: 10, price: 1}]}}}
`, []string{
			"plans[0].versions[0].rates.gb_second.tiers[0].up_to: the last tier must be open-ended (no up_to)",
		}},
		{"structure", `
plans:
  - {id: gcore, provider: gcore, currency: EUR, versions: []}
  - id: gcore_faas
    provider: gcore
    currency: EUR
    versions:
      - effective_from: "2024-01-01"
        sources: [https://gcore.com/pricing/faas]
        rates: {gb_second: {price: 0.00001}, ghz_second: {price: 0.00001}}
        arch: {riscv: {gb_second: {price: 1}}}
        region_groups:
          - {name: eu, regions: [eu-west, EU-West]}
          - {name: eu}
        other_regions: asia
        free_tier: {valuation: dollars}
`, []string{
			"plans[0].versions: at least one version required",
			"plans[1].versions[0].arch.riscv: unknown architecture (want x86_64 or arm64)",
			`plans[1].versions[0].region_groups[0].regions[1]: region "eu-west" is already in group "eu"`,
			`plans[1].versions[0].region_groups[1].name: required and unique (got "eu")`,
			`plans[1].versions[0].other_regions: no region group "asia"`,
			"plans[1].versions[0].cpu: required by the ghz_second or vcpu_second rate",
			`plans[1].versions[0].free_tier.valuation: must be units or base_rates (got "dollars")`,
		}},
		{"duplicate plan and cpu steps", `
plans:
  - {id: ibm, provider: ibm, currency: USD, versions: [{effective_from: "2024-01-01", sources: [https://e.com], rates: {gb_second: {price: 1}}}]}
  - {id: ibm, provider: ibm, currency: USD, versions: [{effective_from: "2024-01-01", sources: [https://e.com], rates: {gb_second: {price: 1}}}]}
  - id: run
    provider: gcp
    currency: USD
    versions:
      - effective_from: "2024-01-01"
        sources: [https://e.com]
        rates: {vcpu_second: {price: 1}}
        cpu: {steps: [{memory_mb: 512, units: 1}, {memory_mb: 256, units: -1}]}
`, []string{
			`plans[1].id: plan "ibm" is defined twice in this file`,
			"plans[2].versions[0].cpu.steps[1].memory_mb: must be > 0 and increasing",
			"plans[2].versions[0].cpu.steps[1].units: must be >= 0 (got -1)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeOverride(t, tt.yaml)
			_, err := LoadCatalog(path)
			if err == nil {
				t.Fatal("no error")
			}
			want := append([]string{"invalid price overrides " + path + ":"}, tt.want...)
			if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestCostOverrideTypeErrors(t *testing.T) {
	_, err := LoadCatalog(writeOverride(t, "plans:\n  - id: x\n    versions:\n      - rates: {gb_second: {price: cheap}}\n"))
	if err == nil || !strings.Contains(err.Error(), "line 4: cannot unmarshal !!str `cheap` into float64") {
		t.Errorf("type error not reported with its line: %v", err)
	}
	_, err = LoadCatalog(writeOverride(t, "plans: [\n"))
	if err == nil || !strings.Contains(err.Error(), "cannot parse: ") {
		t.Errorf("syntax error: %v", err)
	}
}

func writeOverride(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "prices.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadOverride(t *testing.T, yaml string) *Catalog {
	t.Helper()
	c, err := LoadCatalog(writeOverride(t, yaml))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustVersion(t *testing.T, c *Catalog, p Plan, at time.Time) *version {
	t.Helper()
	v, err := c.plans[p].versionAt(at)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
