package billing

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// compiler validates decoded price files and builds a Catalog. It collects
// every problem with its key path instead of stopping at the first.
type compiler struct {
	errs    []error
	prefix  string            // file name for embedded files, "" for the override
	sources map[string]string // every source tag of every file
	used    []string          // source tags cited by the plan being compiled
}

func (c *compiler) add(path, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s%s: %s", c.prefix, path, fmt.Sprintf(format, args...)))
}

type parsedFile struct {
	name   string
	custom bool
	doc    catalogFile
}

// compile builds a catalog from the embedded files and an optional override
// whose plans replace embedded plans of the same id.
func compile(embedded []namedFile, override *namedFile) (*Catalog, error) {
	c := &compiler{sources: map[string]string{}}
	var files []parsedFile
	for _, f := range embedded {
		files = append(files, c.decode(f, f.name+": ", false))
	}
	if override != nil {
		files = append(files, c.decode(*override, "", true))
	}
	for _, f := range files {
		maps.Copy(c.sources, f.doc.Sources)
	}
	cat := &Catalog{plans: map[Plan]*planEntry{}, sources: c.sources}
	for _, f := range files {
		c.prefix = f.name
		c.addPlans(cat, f)
	}
	if err := errors.Join(c.errs...); err != nil {
		return nil, err
	}
	return cat, nil
}

func (c *compiler) decode(f namedFile, prefix string, custom bool) parsedFile {
	doc, err := decodeCatalogFile(f.data)
	if err != nil {
		c.errs = append(c.errs, fmt.Errorf("%s%w", prefix, err))
	}
	return parsedFile{name: prefix, custom: custom, doc: doc}
}

func (c *compiler) addPlans(cat *Catalog, f parsedFile) {
	seen := map[Plan]bool{}
	for i, d := range f.doc.Plans {
		p := fmt.Sprintf("plans[%d]", i)
		e := c.plan(p, d)
		if e == nil {
			continue
		}
		e.info.Custom = f.custom
		id := e.info.ID
		_, exists := cat.plans[id]
		switch {
		case seen[id]:
			c.add(p+".id", "plan %q is defined twice in this file", id)
		case exists && !f.custom:
			c.add(p+".id", "plan %q is already defined by another embedded file", id)
		case !exists:
			cat.order = append(cat.order, id)
		}
		seen[id] = true
		cat.plans[id] = e
	}
}

func (c *compiler) plan(p string, d planDoc) *planEntry {
	n := len(c.errs)
	c.used = nil
	if d.ID == "" || strings.ContainsAny(d.ID, " \t") || strings.ToLower(d.ID) != d.ID {
		c.add(p+".id", "required, lower case without spaces (got %q)", d.ID)
	}
	if d.Provider == "" {
		c.add(p+".provider", "required")
	}
	if len(d.Currency) != 3 || strings.ToUpper(d.Currency) != d.Currency {
		c.add(p+".currency", "want a 3-letter ISO code such as USD (got %q)", d.Currency)
	}
	if len(d.Versions) == 0 {
		c.add(p+".versions", "at least one version required")
	}
	e := &planEntry{info: PlanInfo{ID: Plan(d.ID), Provider: d.Provider, Description: d.Description, Currency: d.Currency}}
	for j, vd := range d.Versions {
		vp := fmt.Sprintf("%s.versions[%d]", p, j)
		v := c.version(vp, vd)
		if j > 0 && v != nil && e.versions[j-1] != nil {
			c.checkOrder(vp, e.versions[j-1], v)
		}
		e.versions = append(e.versions, v)
		if v != nil {
			e.info.Versions = append(e.info.Versions, v.info())
		}
	}
	for _, tag := range c.used {
		e.info.Sources = append(e.info.Sources, Source{Tag: tag, Ref: c.sourceRef(tag)})
	}
	if len(c.errs) > n {
		return nil
	}
	return e
}

// checkOrder enforces sorted, non-overlapping versions.
func (c *compiler) checkOrder(p string, prev, v *version) {
	switch {
	case v.from.Equal(prev.from):
		c.add(p+".effective_from", "%s is the previous version's date too: versions must not overlap", v.from.Format(time.DateOnly))
	case v.from.Before(prev.from):
		c.add(p+".effective_from", "%s is before the previous version's %s: versions must be sorted by date", v.from.Format(time.DateOnly), prev.from.Format(time.DateOnly))
	case !prev.until.IsZero() && prev.until.After(v.from):
		c.add(p+".effective_from", "%s overlaps the previous version, in force until %s", v.from.Format(time.DateOnly), prev.until.Format(time.DateOnly))
	}
}

func (v *version) info() VersionInfo {
	vi := VersionInfo{EffectiveFrom: v.from, Note: v.note}
	if !v.until.IsZero() {
		until := v.until
		vi.EffectiveUntil = &until
	}
	return vi
}

func (c *compiler) version(p string, d versionDoc) *version {
	n := len(c.errs)
	v := &version{note: strings.TrimSpace(d.Note), regionGroup: map[string]string{}, otherRegions: d.OtherRegions}
	v.from = c.date(p+".effective_from", d.EffectiveFrom, true)
	v.until = c.date(p+".effective_until", d.EffectiveUntil, false)
	if !v.until.IsZero() && !v.until.After(v.from) {
		c.add(p+".effective_until", "must be after effective_from")
	}
	if len(d.Sources) == 0 {
		c.add(p+".sources", "at least one source required")
	}
	c.cite(p+".sources", d.Sources)
	base := c.rates(p+".rates", d.Rates, d.Sources)
	if len(d.Rates) == 0 {
		c.add(p+".rates", "at least one rate required")
	}
	baseArch := c.archRates(p+".arch", d.Arch, d.Sources)
	v.sets = map[string]map[string]rateSet{"": mergeArch(base, baseArch, nil, nil)}
	for k, g := range d.RegionGroups {
		c.regionGroup(fmt.Sprintf("%s.region_groups[%d]", p, k), g, v, base, baseArch, d.Sources)
	}
	if _, ok := v.sets[d.OtherRegions]; !ok {
		c.add(p+".other_regions", "no region group %q", d.OtherRegions)
	}
	// Presence checks use the rates as written, so an invalid rate is
	// reported once, not again as missing.
	v.cpu = c.cpu(p+".cpu", d.CPU, d.Rates)
	v.free = c.allowance(p+".free_tier", d.FreeTier, d.Rates)
	v.included = c.allowance(p+".included", d.Included, d.Rates)
	if len(c.errs) > n {
		return nil
	}
	return v
}

func (c *compiler) regionGroup(p string, g regionGroupDoc, v *version, base rateSet, baseArch map[string]rateSet, sources []string) {
	if _, dup := v.sets[g.Name]; dup || g.Name == "" {
		c.add(p+".name", "required and unique (got %q)", g.Name)
		return
	}
	for i, r := range g.Regions {
		r = strings.ToLower(strings.TrimSpace(r))
		if other, dup := v.regionGroup[r]; dup {
			c.add(fmt.Sprintf("%s.regions[%d]", p, i), "region %q is already in group %q", r, other)
		}
		v.regionGroup[r] = g.Name
	}
	rates := c.rates(p+".rates", g.Rates, sources)
	arch := c.archRates(p+".arch", g.Arch, sources)
	v.sets[g.Name] = mergeArch(base, baseArch, rates, arch)
}

// mergeArch layers the rates per architecture: base, base per arch, group,
// group per arch, each later layer replacing whole rates of the same key.
func mergeArch(base rateSet, baseArch map[string]rateSet, group rateSet, groupArch map[string]rateSet) map[string]rateSet {
	out := map[string]rateSet{}
	for _, arch := range []string{ArchX86, ArchARM} {
		set := rateSet{}
		for _, layer := range []rateSet{base, baseArch[arch], group, groupArch[arch]} {
			maps.Copy(set, layer)
		}
		out[arch] = set
	}
	return out
}

func (c *compiler) archRates(p string, d map[string]map[string]rateDoc, sources []string) map[string]rateSet {
	out := map[string]rateSet{}
	for _, arch := range sortedKeys(d) {
		if arch != ArchX86 && arch != ArchARM {
			c.add(p+"."+arch, "unknown architecture (want %s or %s)", ArchX86, ArchARM)
			continue
		}
		out[arch] = c.rates(p+"."+arch, d[arch], sources)
	}
	return out
}

func (c *compiler) rates(p string, d map[string]rateDoc, sources []string) rateSet {
	out := rateSet{}
	for _, key := range sortedKeys(d) {
		if !knownRate(key) {
			c.add(p+"."+key, "unknown rate (known: %s)", strings.Join(rateKeys(), ", "))
			continue
		}
		if r := c.rate(p+"."+key, d[key], sources); r != nil {
			out[key] = r
		}
	}
	return out
}

func (c *compiler) rate(p string, d rateDoc, sources []string) *rate {
	n := len(c.errs)
	per := 1.0
	if d.Per != nil {
		per = *d.Per
		if !(per > 0) || math.IsInf(per, 0) {
			c.add(p+".per", "must be > 0")
		}
	}
	r := &rate{unit: d.Unit, sources: sources, unconfirmed: d.Unconfirmed}
	if len(d.Source) > 0 {
		r.sources = d.Source
		c.cite(p+".source", d.Source)
	}
	switch {
	case d.Price != nil && len(d.Tiers) > 0:
		c.add(p, "set price or tiers, not both")
	case d.Price != nil:
		c.nonNegative(p+".price", *d.Price)
		r.tiers = []tier{{upTo: unbounded, price: *d.Price / per}}
	case len(d.Tiers) > 0:
		r.tiers = c.tiers(p+".tiers", d.Tiers, per)
	default:
		c.add(p, "price or tiers required")
	}
	if len(c.errs) > n {
		return nil
	}
	return r
}

// tiers checks the one tier structure we know: ascending cumulative bounds,
// every tier bounded but the last.
func (c *compiler) tiers(p string, d []tierDoc, per float64) []tier {
	out := make([]tier, 0, len(d))
	lower := 0.0
	for i, td := range d {
		tp := fmt.Sprintf("%s[%d]", p, i)
		last := i == len(d)-1
		if td.Price == nil {
			c.add(tp+".price", "required")
			continue
		}
		c.nonNegative(tp+".price", *td.Price)
		t := tier{upTo: unbounded, price: *td.Price / per}
		switch {
		case last && td.UpTo != nil:
			c.add(tp+".up_to", "the last tier must be open-ended (no up_to)")
		case !last && td.UpTo == nil:
			c.add(tp+".up_to", "required on every tier but the last")
		case !last && !(*td.UpTo > lower):
			c.add(tp+".up_to", "must be greater than the previous bound %g", lower)
		case !last:
			t.upTo, lower = *td.UpTo, *td.UpTo
		}
		out = append(out, t)
	}
	return out
}

func (c *compiler) cpu(p string, d *cpuDoc, rates map[string]rateDoc) []cpuStep {
	_, ghz := rates["ghz_second"]
	_, vcpu := rates["vcpu_second"]
	needed := ghz || vcpu
	if d == nil {
		if needed {
			c.add(p, "required by the ghz_second or vcpu_second rate")
		}
		return nil
	}
	c.cite(p+".source", d.Source)
	if len(d.Steps) == 0 {
		c.add(p+".steps", "at least one step required")
	}
	steps := make([]cpuStep, 0, len(d.Steps))
	for i, s := range d.Steps {
		sp := fmt.Sprintf("%s.steps[%d]", p, i)
		if i > 0 && s.MemoryMB <= d.Steps[i-1].MemoryMB || s.MemoryMB == 0 {
			c.add(sp+".memory_mb", "must be > 0 and increasing")
		}
		c.nonNegative(sp+".units", s.Units)
		steps = append(steps, cpuStep{memoryMB: s.MemoryMB, units: s.Units})
	}
	return steps
}

func (c *compiler) allowance(p string, d *allowanceDoc, rates map[string]rateDoc) allowance {
	if d == nil {
		return allowance{}
	}
	c.cite(p+".source", d.Source)
	a := allowance{amounts: map[string]float64{}}
	switch d.Valuation {
	case "", "units":
	case "base_rates":
		a.valueAtBase = true
	default:
		c.add(p+".valuation", "must be units or base_rates (got %q)", d.Valuation)
	}
	for _, key := range sortedKeys(d.Amounts) {
		if _, ok := rates[key]; !ok {
			c.add(p+".amounts."+key, "the version has no %s rate", key)
		}
		c.nonNegative(p+".amounts."+key, d.Amounts[key])
		a.amounts[key] = d.Amounts[key]
	}
	return a
}

func (c *compiler) nonNegative(p string, x float64) {
	if !(x >= 0) || math.IsInf(x, 0) {
		c.add(p, "must be >= 0 (got %g)", x)
	}
}

func (c *compiler) date(p, s string, required bool) time.Time {
	if s == "" {
		if required {
			c.add(p, "required (YYYY-MM-DD)")
		}
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		c.add(p, "want a date YYYY-MM-DD (got %q)", s)
	}
	return t
}

// cite checks source tags and remembers them for the plan's source list.
func (c *compiler) cite(p string, tags []string) {
	for i, tag := range tags {
		if _, ok := c.sources[tag]; !ok && !isURL(tag) {
			c.add(fmt.Sprintf("%s[%d]", p, i), "unknown source %q: define it under sources or give a URL", tag)
			continue
		}
		if !slices.Contains(c.used, tag) {
			c.used = append(c.used, tag)
		}
	}
}

func (c *compiler) sourceRef(tag string) string {
	if ref, ok := c.sources[tag]; ok {
		return ref
	}
	return tag // a URL cited directly
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
