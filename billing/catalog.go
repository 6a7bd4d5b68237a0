package billing

import (
	"embed"
	"fmt"
	"math"
	"os"
	"path"
	"slices"
	"sort"
	"sync"
	"time"
)

// Architectures a rate can be specific to; "" in usage means x86_64.
const (
	ArchX86 = "x86_64"
	ArchARM = "arm64"
)

//go:embed prices/*.yaml
var embeddedPrices embed.FS

// Catalog holds the price plans: for each plan, versions of its rates with
// the date each took effect. A Catalog is immutable once built and safe for
// concurrent use.
type Catalog struct {
	plans   map[Plan]*planEntry
	order   []Plan // in file order, for stable listings
	sources map[string]string
}

// PlanInfo describes a plan for listings, docs and the API.
type PlanInfo struct {
	ID          Plan          `json:"id"`
	Provider    string        `json:"provider"`
	Description string        `json:"description"`
	Currency    string        `json:"currency"`
	Versions    []VersionInfo `json:"versions"`
	Sources     []Source      `json:"sources"` // every source any version cites
	Custom      bool          `json:"custom"`  // from a user override file
}

// VersionInfo is one dated rate set of a plan.
type VersionInfo struct {
	EffectiveFrom  time.Time  `json:"effective_from"`
	EffectiveUntil *time.Time `json:"effective_until,omitempty"` // exclusive; nil: until the next version
	Note           string     `json:"note,omitempty"`
}

// Source is a reference a price comes from: a tag (as in pricing.md §8) and
// the URL or description it stands for.
type Source struct {
	Tag string `json:"tag"`
	Ref string `json:"ref"`
}

type planEntry struct {
	info     PlanInfo
	versions []*version // sorted by from, not overlapping
}

// version is one compiled rate set.
type version struct {
	from, until time.Time // until is zero when open-ended
	note        string
	// sets[group][arch] holds the merged rates of a region group ("" = base
	// rates) for an architecture.
	sets         map[string]map[string]rateSet
	regionGroup  map[string]string // region -> group
	otherRegions string            // group for unlisted regions; "" = base rates
	cpu          []cpuStep
	free         allowance // subject to the free-tier policy
	included     allowance // part of a subscription: always applied
}

type rateSet map[string]*rate

// rate is a compiled price per single unit.
type rate struct {
	tiers       []tier // the last tier's upTo is +Inf
	unit        string // display unit; "" = the meter's
	sources     []string
	unconfirmed bool
}

type tier struct{ upTo, price float64 }

type cpuStep struct {
	memoryMB uint32
	units    float64
}

// allowance is a monthly per-account amount of units per rate key. With
// valueAtBase the amount is a credit worth those units at the base (cheapest
// tier-1) price rather than a count of units (GCP, pricing.md §7.11).
type allowance struct {
	amounts     map[string]float64
	valueAtBase bool
}

var (
	defaultOnce    sync.Once
	defaultCatalog *Catalog
)

// DefaultCatalog returns the embedded catalog (billing/prices/*.yaml). The
// embedded data is validated by the package tests, so a failure here is a
// build defect and panics.
func DefaultCatalog() *Catalog {
	defaultOnce.Do(func() {
		c, err := compile(embeddedFiles(), nil)
		if err != nil {
			panic(fmt.Sprintf("BUG: embedded price catalog is invalid: %v", err))
		}
		defaultCatalog = c
	})
	return defaultCatalog
}

// LoadCatalog returns the embedded catalog with the plans of the override
// file at overridePath added; a plan whose id is already embedded is replaced
// as a whole, with all its versions. "" means the embedded catalog only. All
// problems in the file are reported at once, each with its key path.
func LoadCatalog(overridePath string) (*Catalog, error) {
	if overridePath == "" {
		return DefaultCatalog(), nil
	}
	data, err := os.ReadFile(overridePath)
	if err != nil {
		return nil, fmt.Errorf("cannot read price overrides: %w", err)
	}
	c, err := compile(embeddedFiles(), &namedFile{name: overridePath, data: data})
	if err != nil {
		return nil, fmt.Errorf("invalid price overrides %s:\n%w", overridePath, err)
	}
	return c, nil
}

// Plans lists every plan, embedded ones first in file order, then custom ones.
func (c *Catalog) Plans() []PlanInfo {
	out := make([]PlanInfo, 0, len(c.order))
	for _, id := range c.order {
		out = append(out, c.plans[id].info)
	}
	return out
}

type namedFile struct {
	name string
	data []byte
}

func embeddedFiles() []namedFile {
	entries, err := embeddedPrices.ReadDir("prices")
	if err != nil {
		panic(fmt.Sprintf("BUG: embedded prices: %v", err))
	}
	files := make([]namedFile, 0, len(entries))
	for _, e := range entries {
		data, err := embeddedPrices.ReadFile(path.Join("prices", e.Name()))
		if err != nil {
			panic(fmt.Sprintf("BUG: embedded prices: %v", err))
		}
		files = append(files, namedFile{name: e.Name(), data: data})
	}
	return files
}

// versionAt returns the version in force at t.
func (p *planEntry) versionAt(t time.Time) (*version, error) {
	i := sort.Search(len(p.versions), func(i int) bool { return p.versions[i].from.After(t) })
	if i == 0 || !p.versions[i-1].covers(t) {
		return nil, fmt.Errorf("no %s prices in force on %s", p.info.ID, t.Format(time.DateOnly))
	}
	return p.versions[i-1], nil
}

func (v *version) covers(t time.Time) bool {
	return !t.Before(v.from) && (v.until.IsZero() || t.Before(v.until))
}

// ratesFor returns the rates for a region and architecture, and a note when
// the region is not listed and a fallback group (or the base rates) applies.
func (v *version) ratesFor(region, arch string) (rateSet, string) {
	group, listed := v.regionGroup[region]
	if listed || len(v.regionGroup) == 0 {
		return v.sets[group][arch], ""
	}
	fallback := "the base rates"
	if v.otherRegions != "" {
		fallback = "region group " + v.otherRegions
	}
	return v.sets[v.otherRegions][arch], fmt.Sprintf("region %q is not in the catalog: priced at %s", region, fallback)
}

// cpuUnits is the CPU (GHz or vCPU) provisioned with memoryMB: the first
// size at or above it, the largest size above the table, and a note when the
// memory is unknown or off the table.
func (v *version) cpuUnits(memoryMB uint32) (float64, string) {
	i := slices.IndexFunc(v.cpu, func(s cpuStep) bool { return s.memoryMB >= memoryMB })
	switch {
	case memoryMB == 0:
		return v.cpu[0].units, fmt.Sprintf("memory unknown: CPU priced for the smallest size (%d MB)", v.cpu[0].memoryMB)
	case i < 0:
		last := v.cpu[len(v.cpu)-1]
		return last.units, fmt.Sprintf("memory %d MB is above the largest size: CPU priced for %d MB", memoryMB, last.memoryMB)
	}
	return v.cpu[i].units, ""
}

// cost prices q units through the tiers, each tier taking the units up to its bound.
func (r *rate) cost(q float64) float64 {
	var total, lower float64
	for _, t := range r.tiers {
		if q <= lower {
			break
		}
		total += (min(q, t.upTo) - lower) * t.price
		lower = t.upTo
	}
	return total
}

// listPrice is the first-tier price per unit.
func (r *rate) listPrice() float64 { return r.tiers[0].price }

// unbounded marks the last tier.
var unbounded = math.Inf(1)
