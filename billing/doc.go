// Package billing owns what faascope knows about pay-per-use prices: the price
// catalog (rates with effective dates and sources), the metering rules that
// turn one invocation's duration and memory into billed units, and the cost
// model that prices aggregated usage. The rules and rates come from
// ../shared/pricing.md; docs/billing.md is the user's guide.
//
//   - Metering (meter.go, metering.go): Plan, Usage, Meter, MeterFor,
//     DefaultPlan, ParsePlan. Unknown plans meter like PlanGeneric.
//   - Catalog (catalog*.go, prices/*.yaml): DefaultCatalog is the embedded
//     data; LoadCatalog adds or replaces plans from a user's YAML override,
//     validated strictly with every problem reported by key path. A plan has
//     dated versions; a month is priced with the version in force at its
//     first instant.
//   - Cost (cost.go, allocate.go): Catalog.Price turns monthly UsageLines into
//     line items. Free allowances are pooled per account, plan and month, and
//     volume tiers per account, plan, region, architecture and month; both are
//     allocated back to lines in proportion to usage, so line totals add up
//     to account totals.
//   - Projection (projection.go): ProjectMonth forecasts one additive usage
//     quantity to month end, weekday-aware, with a band; callers price the
//     projected usage (docs/projection.md).
//   - Config (config.go): the prices file and the free-tier policy of a
//     deployment.
//
// The package is pure: no I/O except reading the override file in
// LoadCatalog, no clock (callers pass the month), no globals that change
// after init. It imports the standard library and gopkg.in/yaml.v3 only.
package billing
