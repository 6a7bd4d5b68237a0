package billing

import "fmt"

// Config is how a deployment prices usage (YAML key "billing").
type Config struct {
	// PricesFile is a price override file (docs/billing.md); empty: the
	// embedded catalog only.
	PricesFile string `yaml:"prices_file"`
	// FreeTier says whether providers' monthly free tiers apply: Default for
	// every account, Accounts to turn it on or off for one account (an
	// organisation whose accounts share one allowance, or a subscription
	// without a free grant).
	FreeTier FreeTierConfig `yaml:"free_tier"`
}

// FreeTierConfig is the YAML form of FreeTierPolicy.
type FreeTierConfig struct {
	Default  bool            `yaml:"default"`
	Accounts map[string]bool `yaml:"accounts"`
}

// NewDefaultConfig: embedded prices, free tier on for every account.
func NewDefaultConfig() Config { return Config{FreeTier: FreeTierConfig{Default: true}} }

// Policy is the free-tier policy the cost model applies.
func (c Config) Policy() FreeTierPolicy {
	return FreeTierPolicy{Default: c.FreeTier.Default, Accounts: c.FreeTier.Accounts}
}

// Catalog loads the embedded catalog with the override file applied; a bad
// file is an error naming the key "billing.prices_file".
func (c Config) Catalog() (*Catalog, error) {
	cat, err := LoadCatalog(c.PricesFile)
	if err != nil {
		return nil, fmt.Errorf("billing.prices_file: %w", err)
	}
	return cat, nil
}
