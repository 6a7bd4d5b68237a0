package billing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// UsageLine is one function's (or any caller-chosen key's) metered usage in
// one calendar month. Quantities are sums over the month's invocations, as
// metered by MeterFor(Plan).
type UsageLine struct {
	Key      string    `json:"key"`      // caller's identifier, echoed back (e.g. a function id)
	Account  string    `json:"account"`  // AWS account / GCP billing account or project / Azure subscription
	Provider string    `json:"provider"` // echoed into the account totals
	Plan     Plan      `json:"plan"`
	Region   string    `json:"region"`
	Arch     string    `json:"arch"`      // "x86_64" | "arm64" | "" (treated as x86_64)
	MemoryMB uint32    `json:"memory_mb"` // configured memory (GCP 1st gen GHz mapping, Cloud Run vCPU mapping)
	Month    time.Time `json:"month"`     // any instant within the UTC calendar month being priced

	Requests   uint64 `json:"requests"`     // billable requests/executions (throttled calls excluded by the caller)
	BilledMBms uint64 `json:"billed_mb_ms"` // sum of billed_duration_ms * billed_memory_mb, INIT included where billed
	InitMBms   uint64 `json:"init_mb_ms"`   // the part of BilledMBms that is billed INIT
	BilledMs   uint64 `json:"billed_ms"`    // sum of billed_duration_ms (for GHz-s / vCPU-s)
	CPUms      uint64 `json:"cpu_ms"`       // Cloudflare CPU time
	// EphemeralMBms is (configured ephemeral storage - 512 MB) * billed ms (AWS).
	EphemeralMBms uint64 `json:"ephemeral_mb_ms"`
	// ProvisionedMBSeconds is provisioned concurrency * memory MB * seconds
	// enabled. The caller rounds each enabled period up to 5 minutes as AWS
	// does (pricing.md §1.1); Price takes the seconds as given.
	ProvisionedMBSeconds uint64 `json:"provisioned_mb_seconds"`
	// ProvisionedBilledMBms is the duration served by provisioned
	// concurrency, billed at the PC duration rate instead of the on-demand one.
	ProvisionedBilledMBms uint64 `json:"provisioned_billed_mb_ms"`
	// SnapStartCacheMBSeconds is cached snapshot size (memory + disk) * seconds
	// the version is active; SnapStartRestoredMB is the total restored (AWS).
	SnapStartCacheMBSeconds uint64 `json:"snapstart_cache_mb_seconds"`
	SnapStartRestoredMB     uint64 `json:"snapstart_restored_mb"`
}

// FreeTierPolicy says whether the providers' free tiers apply, per account.
// Accounts not listed get Default; the zero value applies no free tier.
// Amounts included in a subscription (Cloudflare) always apply.
type FreeTierPolicy struct {
	Default  bool            `json:"default"`
	Accounts map[string]bool `json:"accounts,omitempty"`
}

func (p FreeTierPolicy) applies(account string) bool {
	if on, ok := p.Accounts[account]; ok {
		return on
	}
	return p.Default
}

// Bill is the priced usage. Costs keep full float64 precision; round only to display.
type Bill struct {
	Lines    []LineCost    `json:"lines"` // same order as the input
	Accounts []AccountCost `json:"accounts"`
	Total    float64       `json:"total"`
	Currency string        `json:"currency"`
}

// LineCost is the cost of one UsageLine. Its Total is its share of the
// account-month bill, so the line totals of an account-month add up to it.
type LineCost struct {
	Key   string     `json:"key"`
	Items []LineItem `json:"items"`
	Total float64    `json:"total"`
	// Notes explain fallbacks (unlisted region, unknown memory) and zero prices.
	Notes []string `json:"notes,omitempty"`
}

// LineItem is one charge of a line.
type LineItem struct {
	Kind         string  `json:"kind"` // requests, compute, init, compute_cpu, cpu_time, ephemeral_storage, provisioned_concurrency, provisioned_compute, snapstart_cache, snapstart_restore, subscription
	Quantity     float64 `json:"quantity"`
	Unit         string  `json:"unit"`
	FreeQuantity float64 `json:"free_quantity"` // covered by free tier or included amounts
	Rate         float64 `json:"rate"`          // effective blended price per unit of the billable quantity
	Cost         float64 `json:"cost"`
	Unconfirmed  bool    `json:"unconfirmed,omitempty"` // the rate is not confirmed by the provider
}

// AccountCost is the bill of one account in one month.
type AccountCost struct {
	Provider string    `json:"provider"`
	Account  string    `json:"account"`
	Month    time.Time `json:"month"` // first instant of the UTC month
	Total    float64   `json:"total"`
}

// meter turns a line's usage into the quantity of one rate. Lines whose plan
// has no rate for a meter are not charged for it. Meters sharing a rate
// (compute and init) share its free allowance and volume tiers.
type meter struct {
	kind, key, unit string
	qty             func(l *resolvedLine) float64
}

var meters = []meter{
	{"requests", "request", "requests", func(l *resolvedLine) float64 { return float64(l.in.Requests) }},
	{"compute", "gb_second", "GB-s", func(l *resolvedLine) float64 { return MBmsToGBs(float64(l.in.BilledMBms - l.in.InitMBms)) }},
	{"init", "gb_second", "GB-s", func(l *resolvedLine) float64 { return MBmsToGBs(float64(l.in.InitMBms)) }},
	{"compute_cpu", "ghz_second", "GHz-s", cpuSeconds},
	{"compute_cpu", "vcpu_second", "vCPU-s", cpuSeconds},
	{"cpu_time", "cpu_ms", "CPU-ms", func(l *resolvedLine) float64 { return float64(l.in.CPUms) }},
	{"ephemeral_storage", "ephemeral_gb_second", "GB-s", func(l *resolvedLine) float64 { return MBmsToGBs(float64(l.in.EphemeralMBms)) }},
	{"provisioned_concurrency", "provisioned_gb_second", "GB-s", func(l *resolvedLine) float64 { return MBToGB(float64(l.in.ProvisionedMBSeconds)) }},
	{"provisioned_compute", "provisioned_compute_gb_second", "GB-s", func(l *resolvedLine) float64 { return MBmsToGBs(float64(l.in.ProvisionedBilledMBms)) }},
	{"snapstart_cache", "snapstart_cache_gb_second", "GB-s", func(l *resolvedLine) float64 { return MBToGB(float64(l.in.SnapStartCacheMBSeconds)) }},
	{"snapstart_restore", "snapstart_restore_gb", "GB", func(l *resolvedLine) float64 { return MBToGB(float64(l.in.SnapStartRestoredMB)) }},
	{"subscription", "subscription", "months", nil}, // shared per account-month, see subscriptionShares
}

// informationalRates are catalogued for reference but not billed: usage
// lines carry no quantity for them.
var informationalRates = []string{"always_ready_baseline_gb_second", "always_ready_gb_second", "always_ready_request"}

func rateKeys() []string {
	keys := slices.Clone(informationalRates)
	for _, m := range meters {
		if !slices.Contains(keys, m.key) {
			keys = append(keys, m.key)
		}
	}
	slices.Sort(keys)
	return keys
}

func knownRate(key string) bool { return slices.Contains(rateKeys(), key) }

func cpuSeconds(l *resolvedLine) float64 { return float64(l.in.BilledMs) / 1000 * l.cpu }

// MBToGB converts megabytes to the gigabytes providers bill: GB = MB / 1024
// in every AWS, GCP (GiB) and Azure example (pricing.md §1.1, §2.2, §3.1).
func MBToGB(mb float64) float64 { return mb / 1024 }

// MBmsToGBs converts MB-milliseconds (billed memory * billed duration) to GB-seconds.
func MBmsToGBs(mbms float64) float64 { return MBToGB(mbms) / 1000 }

// Price prices usage lines. Free allowances are pooled per account, plan and
// month and volume tiers per account, plan, region, architecture and month,
// never per invocation; the resulting charges are allocated back to the
// lines in proportion to their usage. Each month is priced with the plan
// version in force at its first instant and gets its own free tier. Unknown
// plans, months without prices, unknown architectures and mixed currencies
// are errors, all reported at once; an unlisted region is priced at the
// plan's fallback rates and the line notes it.
func (c *Catalog) Price(lines []UsageLine, ft FreeTierPolicy) (Bill, error) {
	resolved, err := c.resolve(lines)
	if err != nil {
		return Bill{}, err
	}
	cells := buildCells(resolved)
	applyAllowances(cells, resolved, ft)
	return assemble(resolved, cells), nil
}

// resolvedLine is a usage line with its plan version and rates looked up.
type resolvedLine struct {
	in    *UsageLine
	plan  *planEntry
	ver   *version
	rates rateSet
	month time.Time
	arch  string
	cpu   float64 // GHz or vCPU for the line's memory, when the plan prices CPU
	notes []string
}

func (c *Catalog) resolve(lines []UsageLine) ([]resolvedLine, error) {
	out := make([]resolvedLine, len(lines))
	var errs []error
	for i := range lines {
		r, err := c.resolveLine(&lines[i])
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d (%s): %w", i, lines[i].Key, err))
		}
		out[i] = r
	}
	if len(errs) == 0 && len(out) > 0 {
		cur := out[0].plan.info.Currency
		for i, r := range out {
			if r.plan.info.Currency != cur {
				errs = append(errs, fmt.Errorf("line %d (%s): plan %s is priced in %s, the others in %s", i, r.in.Key, r.in.Plan, r.plan.info.Currency, cur))
			}
		}
	}
	return out, errors.Join(errs...)
}

func (c *Catalog) resolveLine(u *UsageLine) (resolvedLine, error) {
	r := resolvedLine{in: u, month: monthStart(u.Month), arch: u.Arch}
	p, ok := c.plans[u.Plan]
	if !ok {
		return r, fmt.Errorf("unknown plan %q", u.Plan)
	}
	r.plan = p
	if r.arch == "" {
		r.arch = ArchX86
	}
	if r.arch != ArchX86 && r.arch != ArchARM {
		return r, fmt.Errorf("unknown architecture %q (want %s or %s)", u.Arch, ArchX86, ArchARM)
	}
	if u.InitMBms > u.BilledMBms {
		return r, fmt.Errorf("InitMBms %d exceeds BilledMBms %d", u.InitMBms, u.BilledMBms)
	}
	v, err := p.versionAt(r.month)
	if err != nil {
		return r, err
	}
	r.ver = v
	var note string
	r.rates, note = v.ratesFor(strings.ToLower(strings.TrimSpace(u.Region)), r.arch)
	r.addNote(note)
	if len(v.cpu) > 0 {
		r.cpu, note = v.cpuUnits(u.MemoryMB)
		r.addNote(note)
	}
	if r.rates.allZero() {
		r.addNote(fmt.Sprintf("plan %s has no prices (all zero): set them in a price override file", u.Plan))
	}
	return r, nil
}

func (r *resolvedLine) addNote(n string) {
	if n != "" {
		r.notes = append(r.notes, n)
	}
}

func (s rateSet) allZero() bool {
	for _, r := range s {
		for _, t := range r.tiers {
			if t.price != 0 {
				return false
			}
		}
	}
	return true
}

// monthStart is the first instant of t's UTC calendar month.
func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// cell is one charge of one line while the bill is built.
type cell struct {
	line      int
	m         *meter
	rate      *rate
	qty, free float64
	cost      float64
	unitPrice float64 // blended price per billable unit after volume tiers
}

// buildCells creates a cell for every meter a line's plan prices and the
// line uses, plus the subscription shares.
func buildCells(lines []resolvedLine) []cell {
	var cells []cell
	for i := range lines {
		l := &lines[i]
		for k := range meters {
			m := &meters[k]
			r := l.rates[m.key]
			if r == nil || m.qty == nil {
				continue
			}
			if q := m.qty(l); q > 0 {
				cells = append(cells, cell{line: i, m: m, rate: r, qty: q})
			}
		}
	}
	return append(cells, subscriptionCells(lines)...)
}
