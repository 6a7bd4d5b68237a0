package billing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// The types below are the price file format shared by the embedded catalog
// (prices/*.yaml) and user override files. They are decoded as written, then
// validated and compiled into the types in catalog.go.

// catalogFile is one price file.
type catalogFile struct {
	// Sources maps a tag such as "S1" to a URL or a description of the source.
	Sources map[string]string `yaml:"sources"`
	Plans   []planDoc         `yaml:"plans"`
}

type planDoc struct {
	ID          string       `yaml:"id"`
	Provider    string       `yaml:"provider"`
	Description string       `yaml:"description"`
	Currency    string       `yaml:"currency"`
	Versions    []versionDoc `yaml:"versions"`
}

// versionDoc is one rate set in force from EffectiveFrom (inclusive) to the
// next version's EffectiveFrom, or to EffectiveUntil (exclusive) when set.
type versionDoc struct {
	EffectiveFrom  string                        `yaml:"effective_from"`
	EffectiveUntil string                        `yaml:"effective_until"`
	Note           string                        `yaml:"note"`
	Sources        []string                      `yaml:"sources"`
	Rates          map[string]rateDoc            `yaml:"rates"`
	Arch           map[string]map[string]rateDoc `yaml:"arch"`
	RegionGroups   []regionGroupDoc              `yaml:"region_groups"`
	OtherRegions   string                        `yaml:"other_regions"`
	CPU            *cpuDoc                       `yaml:"cpu"`
	FreeTier       *allowanceDoc                 `yaml:"free_tier"`
	Included       *allowanceDoc                 `yaml:"included"`
}

// rateDoc is one price: either a flat Price or volume Tiers, quoted per Per units.
type rateDoc struct {
	Price       *float64  `yaml:"price"`
	Tiers       []tierDoc `yaml:"tiers"`
	Per         *float64  `yaml:"per"`
	Unit        string    `yaml:"unit"`
	Source      []string  `yaml:"source"`
	Unconfirmed bool      `yaml:"unconfirmed"`
}

// tierDoc prices the units up to UpTo (cumulative, per month); the last tier has no UpTo.
type tierDoc struct {
	UpTo  *float64 `yaml:"up_to"`
	Price *float64 `yaml:"price"`
}

// regionGroupDoc lists regions whose rates differ from the base rates.
type regionGroupDoc struct {
	Name    string                        `yaml:"name"`
	Regions []string                      `yaml:"regions"`
	Rates   map[string]rateDoc            `yaml:"rates"`
	Arch    map[string]map[string]rateDoc `yaml:"arch"`
}

// cpuDoc maps configured memory to the CPU the plan provisions with it
// (GHz for GCP 1st gen, vCPU for Cloud Run).
type cpuDoc struct {
	Source []string     `yaml:"source"`
	Steps  []cpuStepDoc `yaml:"steps"`
}

type cpuStepDoc struct {
	MemoryMB uint32  `yaml:"memory_mb"`
	Units    float64 `yaml:"units"`
}

// allowanceDoc is a monthly allowance per account: a free tier (subject to
// the free-tier policy) or units included in a subscription (always applied).
type allowanceDoc struct {
	Source    []string           `yaml:"source"`
	Valuation string             `yaml:"valuation"`
	Amounts   map[string]float64 `yaml:"amounts"`
}

// decodeCatalogFile parses one price file. Unknown keys are reported with
// their path, all of them, together with any type errors.
func decodeCatalogFile(data []byte) (catalogFile, error) {
	var f catalogFile
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return f, nil // an empty file adds nothing
		}
		return f, fmt.Errorf("cannot parse: %w", err)
	}
	var errs []error
	unknownKeys(&root, reflect.TypeOf(f), "", &errs)
	if err := root.Decode(&f); err != nil {
		errs = append(errs, err)
	}
	return f, errors.Join(errs...)
}

// unknownKeys walks node alongside type t and reports mapping keys that t
// has no yaml field for, with their path (e.g. plans[0].versions[1].ratez).
// Shape mismatches are left to the decoder, which reports them by line.
func unknownKeys(n *yaml.Node, t reflect.Type, path string, errs *[]error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		unknownKeys(n.Content[0], t, path, errs)
		return
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			f, ok := yamlField(t, key)
			if !ok {
				*errs = append(*errs, fmt.Errorf("%s: unknown key", joinPath(path, key)))
				continue
			}
			unknownKeys(n.Content[i+1], f.Type, joinPath(path, key), errs)
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			unknownKeys(n.Content[i+1], t.Elem(), joinPath(path, n.Content[i].Value), errs)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			unknownKeys(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), errs)
		}
	}
}

// yamlField finds the struct field whose yaml tag names key.
func yamlField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
