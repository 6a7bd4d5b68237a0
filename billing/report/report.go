package report

import (
	"time"

	"github.com/faascope/faascope/billing"
)

// MaxMovers is how many functions TopMovers lists in each direction: the
// largest increases (new functions included) and the largest decreases
// (gone functions included). A change under half a cent is not a move.
const MaxMovers = 10

// FunctionCost is one function's priced month, as the cost API grouped by
// function returns it. CostUSD includes the function's share of its
// account's free tier, so it can be below the list price of its items'
// quantities.
type FunctionCost struct {
	Provider  string
	AccountID string
	Region    string
	Function  string
	Requests  uint64
	BilledGBs float64
	Items     []billing.LineItem
	CostUSD   float64
}

// Input is everything a report is built from.
type Input struct {
	Tenant    string
	Month     time.Time // first instant of the UTC calendar month reported
	Generated time.Time // when the report was made; the report shows it in UTC
	Currency  string    // "" means USD, the currency of the embedded catalog
	Functions []FunctionCost
	// Previous is the month before, priced by the same catalog as
	// Functions. Empty means there is nothing to compare with: the report
	// then has no changes and no movers.
	Previous []FunctionCost
	// PriceCatalogNote says which prices were used (e.g. catalog versions
	// or an override file), so a regenerated report can be told apart.
	PriceCatalogNote string
	// Partial marks a month that is not over (the month to date), so that
	// a reader does not take its figures for the month's bill.
	Partial bool
}

// Report is a tenant's month. Amounts keep float64 precision; only the HTML
// page rounds them, to cents. Every list is ordered by cost, highest first,
// then by key, and is empty rather than nil.
type Report struct {
	Tenant           string    `json:"tenant"`
	Month            string    `json:"month"` // YYYY-MM
	Generated        time.Time `json:"generated"`
	Currency         string    `json:"currency"`
	PriceCatalogNote string    `json:"price_catalog_note,omitempty"`
	// Partial is true for the month to date; absent for a month that is over.
	Partial bool `json:"partial,omitempty"`
	// TotalUSD is the sum of Functions' costs, added in their order.
	TotalUSD float64 `json:"total_usd"`
	// PreviousTotalUSD, ChangeUSD and ChangePct are absent without a
	// previous month; ChangePct is also absent when the previous total is 0.
	PreviousTotalUSD *float64       `json:"previous_total_usd,omitempty"`
	ChangeUSD        *float64       `json:"change_usd,omitempty"`
	ChangePct        *float64       `json:"change_pct,omitempty"`
	Accounts         []Total        `json:"accounts"`
	Providers        []Total        `json:"providers"`
	Regions          []Total        `json:"regions"`
	Functions        []FunctionLine `json:"functions"`
	// TopMovers lists up to MaxMovers increases, largest first, then up to
	// MaxMovers decreases, largest first. Empty without a previous month.
	TopMovers      []Mover     `json:"top_movers"`
	LineItemTotals []ItemTotal `json:"line_item_totals"`
}

// Change compares an amount with the month before. All fields are nil
// when the report has no previous month; ChangePct (in percent) is also
// nil when the previous amount is 0.
type Change struct {
	PreviousUSD *float64 `json:"previous_usd,omitempty"`
	ChangeUSD   *float64 `json:"change_usd,omitempty"`
	ChangePct   *float64 `json:"change_pct,omitempty"`
}

// Total is the cost of one account, provider or region. Groups that only
// ran in the previous month are listed with a cost of 0, so that their
// drop shows.
type Total struct {
	// Key is "provider:account", "provider" or "provider:region", as the
	// cost API's group keys.
	Key       string  `json:"key"`
	Provider  string  `json:"provider"`
	AccountID string  `json:"account_id,omitempty"`
	Region    string  `json:"region,omitempty"`
	Functions int     `json:"functions"` // functions with usage this month
	Requests  uint64  `json:"requests"`
	CostUSD   float64 `json:"cost_usd"`
	Change
}

// FunctionRef names a function. The same name in another account or
// region is another function.
type FunctionRef struct {
	// ID is "provider:account:region:function", as analyzer.FunctionKey.ID.
	ID        string `json:"id"`
	Provider  string `json:"provider"`
	AccountID string `json:"account_id"`
	Region    string `json:"region"`
	Function  string `json:"function"`
}

// FunctionLine is one function's month with its line items.
type FunctionLine struct {
	FunctionRef
	Requests  uint64             `json:"requests"`
	BilledGBs float64            `json:"billed_gb_s"`
	Items     []billing.LineItem `json:"items"`
	CostUSD   float64            `json:"cost_usd"`
	New       bool               `json:"new,omitempty"` // absent from a previous month that exists
	Change
}

// Mover kinds.
const (
	MoverUp   = "up"
	MoverDown = "down"
	MoverNew  = "new"  // no usage in the previous month
	MoverGone = "gone" // no usage this month
)

// Mover is a function whose cost changed from the month before.
type Mover struct {
	FunctionRef
	Kind    string  `json:"kind"` // MoverUp, MoverDown, MoverNew or MoverGone
	CostUSD float64 `json:"cost_usd"`
	Change
}

// ItemTotal is one kind of charge over all functions. Kinds are summed
// per unit: compute_cpu is GHz-s on one plan and vCPU-s on another.
type ItemTotal struct {
	Kind         string  `json:"kind"`
	Unit         string  `json:"unit"`
	Quantity     float64 `json:"quantity"`
	FreeQuantity float64 `json:"free_quantity"`
	CostUSD      float64 `json:"cost_usd"`
}
