package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/faascope/faascope/billing"
)

const costUsage = `Usage:
  faascope cost estimate [flags]   price a workload described by flags with the price catalog

Run "faascope cost estimate -h" for the flags. docs/billing.md explains the cost model.
`

// estimateFlags are the flags of "faascope cost estimate".
type estimateFlags struct {
	provider, plan, region, arch, freeTier, month, prices, format, account string

	memoryMB, ephemeralMB, granularityMs      uint
	invocations, pcInvocations, pcConcurrency uint64
	durationMs, initMs, coldShare, cpuMs      float64
	pcHours, pcDurationMs                     float64
}

// estimate is what the command prints: the workload as priced and its bill.
type estimate struct {
	Plan     billing.Plan       `json:"plan"`
	Region   string             `json:"region"`
	Arch     string             `json:"arch"`
	Month    string             `json:"month"`
	FreeTier bool               `json:"free_tier"`
	Usage    billing.UsageLine  `json:"usage"`
	Items    []billing.LineItem `json:"items"`
	Total    float64            `json:"total"`
	Currency string             `json:"currency"`
	Notes    []string           `json:"notes,omitempty"`
}

// runCost runs "faascope cost ..." and returns the exit code: 2 for bad
// usage or flags, 1 when the price override file cannot be used.
func runCost(args []string, now time.Time, stdout, stderr io.Writer) int {
	switch {
	case len(args) > 0 && slices.Contains([]string{"help", "-h", "--help"}, args[0]):
		fmt.Fprint(stdout, costUsage)
		return 0
	case len(args) == 0 || args[0] != "estimate":
		fmt.Fprint(stderr, costUsage)
		return 2
	}
	fs, fl := newEstimateFlagSet(stderr)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2 // the flag package has printed the problem and the flags
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "faascope cost estimate: unexpected arguments %q\n", fs.Args())
		return 2
	}
	cat, err := billing.LoadCatalog(fl.prices)
	if err != nil {
		fmt.Fprintln(stderr, "faascope cost estimate:", err)
		return 1
	}
	est, err := fl.estimate(cat, now)
	if err == nil {
		err = est.write(stdout, fl.format)
	}
	if err != nil {
		fmt.Fprintln(stderr, "faascope cost estimate:", err)
		return 2
	}
	return 0
}

func newEstimateFlagSet(stderr io.Writer) (*flag.FlagSet, *estimateFlags) {
	fl := &estimateFlags{}
	fs := flag.NewFlagSet("cost estimate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&fl.plan, "plan", "", "price plan id (aws_lambda, gcp_functions_gen1, gcp_cloud_run, azure_consumption, azure_flex, cloudflare_workers, generic, or one from --prices)")
	fs.StringVar(&fl.provider, "provider", "", "provider (aws, gcp, azure, cloudflare): its plan when --plan is not set")
	fs.StringVar(&fl.region, "region", "", "region, e.g. us-east-1 or us-central1 (unlisted regions use the plan's fallback rates)")
	fs.StringVar(&fl.arch, "arch", billing.ArchX86, "architecture: x86_64 or arm64")
	fs.UintVar(&fl.memoryMB, "memory-mb", 128, "configured memory in MB")
	fs.Uint64Var(&fl.invocations, "invocations", 0, "on-demand invocations in the month")
	fs.Float64Var(&fl.durationMs, "duration-ms", 0, "duration of each on-demand invocation in ms, before billing rounding")
	fs.Float64Var(&fl.initMs, "init-ms", 0, "init duration of a cold start in ms (AWS bills it from 2025-08-01)")
	fs.Float64Var(&fl.coldShare, "cold-start-share", 0, "share of on-demand invocations that start cold, 0..1")
	fs.UintVar(&fl.granularityMs, "granularity-ms", 0, "round each billed duration up to this many ms after the plan's rules, e.g. 100 for AWS before Dec 2020 (0: the plan's rules only)")
	fs.StringVar(&fl.freeTier, "free-tier", "on", "apply the provider's free tier: on or off")
	fs.StringVar(&fl.month, "month", "", "month to price, YYYY-MM (default: the current month, UTC)")
	fs.UintVar(&fl.ephemeralMB, "ephemeral-mb", 512, "configured ephemeral storage in MB (AWS charges above 512)")
	fs.Uint64Var(&fl.pcConcurrency, "provisioned-concurrency", 0, "provisioned concurrency (AWS)")
	fs.Float64Var(&fl.pcHours, "provisioned-hours", 0, "hours provisioned concurrency is enabled, rounded up to 5 minutes")
	fs.Uint64Var(&fl.pcInvocations, "pc-invocations", 0, "invocations served by provisioned concurrency")
	fs.Float64Var(&fl.pcDurationMs, "pc-duration-ms", 0, "duration of each invocation served by provisioned concurrency, in ms")
	fs.Float64Var(&fl.cpuMs, "cpu-ms", 0, "CPU time of each invocation in ms (Cloudflare Workers)")
	fs.StringVar(&fl.prices, "prices", "", "YAML price override file (deploy/config/prices-override.example.yaml)")
	fs.StringVar(&fl.format, "format", "table", "output: table or json")
	fs.StringVar(&fl.account, "account", "estimate", "account name used for the free-tier pool")
	return fs, fl
}

// estimate validates the flags, builds one month of usage and prices it.
func (fl *estimateFlags) estimate(cat *billing.Catalog, now time.Time) (estimate, error) {
	plan, planErr := pickPlan(cat, fl.plan, fl.provider)
	month, monthErr := parseMonth(fl.month, now)
	errs := []error{planErr, monthErr, fl.check()}
	if err := errors.Join(errs...); err != nil {
		return estimate{}, err
	}
	line := fl.usage(plan, month)
	freeTier := fl.freeTier == "on"
	bill, err := cat.Price([]billing.UsageLine{line}, billing.FreeTierPolicy{Default: freeTier})
	if err != nil {
		return estimate{}, err
	}
	lc := bill.Lines[0]
	return estimate{
		Plan: plan, Region: fl.region, Arch: fl.arch, Month: month.Format("2006-01"), FreeTier: freeTier,
		Usage: line, Items: lc.Items, Total: bill.Total, Currency: bill.Currency, Notes: lc.Notes,
	}, nil
}

// check reports every bad flag value at once.
func (fl *estimateFlags) check() error {
	var errs []error
	bad := func(cond bool, format string, args ...any) {
		if cond {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	bad(fl.arch != billing.ArchX86 && fl.arch != billing.ArchARM, "--arch: want x86_64 or arm64, got %q", fl.arch)
	bad(fl.freeTier != "on" && fl.freeTier != "off", "--free-tier: want on or off, got %q", fl.freeTier)
	bad(fl.format != "table" && fl.format != "json", "--format: want table or json, got %q", fl.format)
	bad(!(fl.coldShare >= 0 && fl.coldShare <= 1), "--cold-start-share: want a share between 0 and 1, got %g", fl.coldShare)
	bad(fl.memoryMB == 0 || fl.memoryMB > math.MaxUint32, "--memory-mb: want a positive size in MB, got %d", fl.memoryMB)
	for name, v := range map[string]float64{
		"--duration-ms": fl.durationMs, "--init-ms": fl.initMs, "--provisioned-hours": fl.pcHours,
		"--pc-duration-ms": fl.pcDurationMs, "--cpu-ms": fl.cpuMs,
	} {
		bad(!(v >= 0) || math.IsInf(v, 0), "%s: want a finite number >= 0, got %g", name, v)
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// pickPlan resolves --plan, or the provider's plan from --provider.
func pickPlan(cat *billing.Catalog, plan, provider string) (billing.Plan, error) {
	var ids, ofProvider []billing.Plan
	for _, p := range cat.Plans() {
		ids = append(ids, p.ID)
		if p.Provider == provider {
			ofProvider = append(ofProvider, p.ID)
		}
	}
	switch {
	case plan != "":
		if p := billing.Plan(strings.ToLower(strings.TrimSpace(plan))); slices.Contains(ids, p) {
			return p, nil
		}
		return "", fmt.Errorf("--plan: unknown plan %q (known: %s)", plan, joinPlans(ids))
	case provider == "":
		return "", fmt.Errorf("set --plan (%s) or --provider", joinPlans(ids))
	case len(ofProvider) == 1:
		return ofProvider[0], nil
	}
	if p := billing.DefaultPlan(provider, ""); slices.Contains(ofProvider, p) {
		return p, nil
	}
	if len(ofProvider) == 0 {
		return "", fmt.Errorf("--provider: no plan for provider %q", provider)
	}
	return "", fmt.Errorf("--provider: %s has several plans (%s): pick one with --plan", provider, joinPlans(ofProvider))
}

func joinPlans(ids []billing.Plan) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}

func parseMonth(s string, now time.Time) (time.Time, error) {
	if s == "" {
		now = now.UTC()
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC), nil
	}
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--month: want YYYY-MM, got %q", s)
	}
	return t, nil
}

// usage meters one warm, one cold and one provisioned-concurrency invocation
// with the plan's own rules (billing.MeterFor, so rounding and INIT billing
// match ingest) and scales them to the month.
func (fl *estimateFlags) usage(plan billing.Plan, month time.Time) billing.UsageLine {
	mem := uint32(fl.memoryMB)
	meter := func(ms, initMs float64, cold bool) uint64 {
		m := billing.MeterFor(plan).Meter(billing.Usage{Start: month, DurationMs: ms, InitMs: initMs, ColdStart: cold, MemoryMB: mem})
		billed := uint64(m.BilledDurationMs)
		if g := uint64(fl.granularityMs); g > 1 {
			billed = (billed + g - 1) / g * g
		}
		return billed
	}
	memOf := func(ms float64) uint64 { // billed memory: Azure rounds it, Flex uses the instance size
		return uint64(billing.MeterFor(plan).Meter(billing.Usage{Start: month, DurationMs: ms, MemoryMB: mem}).BilledMemoryMB)
	}
	warm, cold, pc := meter(fl.durationMs, 0, false), meter(fl.durationMs, fl.initMs, true), meter(fl.pcDurationMs, 0, false)
	nCold := uint64(math.Round(float64(fl.invocations) * fl.coldShare))
	nWarm := fl.invocations - nCold
	onDemandMs := nWarm*warm + nCold*cold
	pcMs := fl.pcInvocations * pc
	// AWS rounds each enabled period of provisioned concurrency up to 5 minutes.
	enabledSeconds := uint64(math.Ceil(fl.pcHours*3600/300)) * 300
	return billing.UsageLine{
		Key: "estimate", Account: fl.account, Provider: fl.provider, Plan: plan, Region: fl.region, Arch: fl.arch,
		MemoryMB: mem, Month: month,
		Requests:              fl.invocations + fl.pcInvocations,
		BilledMBms:            onDemandMs * memOf(fl.durationMs),
		InitMBms:              nCold * (cold - warm) * memOf(fl.durationMs),
		BilledMs:              onDemandMs,
		CPUms:                 uint64(math.Round(float64(fl.invocations) * fl.cpuMs)),
		EphemeralMBms:         uint64(max(fl.ephemeralMB, 512)-512) * (onDemandMs + pcMs),
		ProvisionedMBSeconds:  fl.pcConcurrency * uint64(mem) * enabledSeconds,
		ProvisionedBilledMBms: pcMs * memOf(fl.pcDurationMs),
	}
}

// write prints the estimate as an aligned table or as JSON. Costs are
// rounded to cents for display only.
func (e estimate) write(w io.Writer, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(e)
	}
	free := map[bool]string{true: "on", false: "off"}[e.FreeTier]
	fmt.Fprintf(w, "%s, region %q, %s, %d MB, %s, free tier %s\n\n", e.Plan, e.Region, e.Arch, e.Usage.MemoryMB, e.Month, free)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "ITEM\tQUANTITY\tUNIT\tFREE\tRATE (%s/unit)\tCOST (%s)\n", e.Currency, e.Currency)
	for _, it := range e.Items {
		kind := it.Kind
		if it.Unconfirmed {
			kind += " (unconfirmed rate)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.2f\n", kind, plain(it.Quantity), it.Unit, plain(it.FreeQuantity), plain(it.Rate), it.Cost)
	}
	fmt.Fprintf(tw, "total\t\t\t\t\t%.2f\n", e.Total)
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("cannot write the estimate: %w", err)
	}
	for _, n := range e.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	return nil
}

// plain prints a number with 10 significant digits and no exponent.
func plain(x float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 10, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}
