package report

import (
	"time"

	"github.com/faascope/faascope/billing"
)

var (
	october   = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	generated = time.Date(2026, 11, 1, 0, 30, 0, 0, time.UTC)
)

// item is a line item costing its billable quantity at rate.
func item(kind string, quantity float64, unit string, free, rate float64) billing.LineItem {
	return billing.LineItem{Kind: kind, Quantity: quantity, Unit: unit, FreeQuantity: free, Rate: rate, Cost: (quantity - free) * rate}
}

// fn is a function whose cost is the sum of its items, as the cost API's.
func fn(provider, account, region, name string, requests uint64, gbs float64, items ...billing.LineItem) FunctionCost {
	f := FunctionCost{Provider: provider, AccountID: account, Region: region, Function: name,
		Requests: requests, BilledGBs: gbs, Items: items}
	for _, it := range items {
		f.CostUSD += it.Cost
	}
	return f
}

// costing is a function with one compute item worth usd, for tests about
// sums and changes rather than items.
func costing(account, region, name string, usd float64) FunctionCost {
	return fn("aws", account, region, name, 1000, usd, item("compute", usd, "GB-s", 0, 1))
}

// sample is a realistic month: two AWS accounts (one without free tier),
// a GCP project, a function without items, a name that needs CSV quoting,
// and a month before with a gone, a new, a cheaper and an unchanged
// function.
func sample() Input {
	const awsReq, awsGBs, armGBs, gcpReq = 0.0000002, 0.0000166667, 0.0000133334, 0.0000004
	return Input{
		Tenant: "acme", Month: october, Generated: generated, Currency: "USD",
		PriceCatalogNote: "aws_lambda 2020-12-01, gcp_functions_gen1 2020-01-01",
		Functions: []FunctionCost{
			fn("aws", "111111111111", "us-east-1", "checkout-api", 3_000_000, 461250,
				item("requests", 3_000_000, "requests", 600_000, awsReq),
				item("compute", 450_000, "GB-s", 195_121.95121951218, awsGBs),
				item("init", 11_250, "GB-s", 4_878.048780487805, awsGBs)),
			fn("aws", "111111111111", "eu-west-1", "image-resize", 2_000_000, 900_000,
				item("requests", 2_000_000, "requests", 400_000, awsReq),
				item("compute", 900_000, "GB-s", 200_000, armGBs),
				item("provisioned_concurrency", 4_320_000, "GB-s", 0, 0.0000041667),
				item("ephemeral_storage", 120_000, "GB-s", 0, 0.0000000309)),
			fn("aws", "111111111111", "us-east-1", `report, "monthly"`, 31, 12.5,
				item("requests", 31, "requests", 0, awsReq),
				item("compute", 12.5, "GB-s", 0, awsGBs)),
			fn("aws", "222222222222", "us-east-1", "etl-nightly", 30_000, 120_000,
				item("requests", 30_000, "requests", 0, awsReq),
				item("compute", 120_000, "GB-s", 0, awsGBs)),
			fn("gcp", "acme-prod", "europe-west3", "thumbnailer", 10_000_000, 640_000,
				item("requests", 10_000_000, "requests", 2_000_000, gcpReq),
				item("compute", 640_000, "GB-s", 285_714.28571428574, 0.0000035),
				item("compute_cpu", 1_040_000, "GHz-s", 142_857.14285714287, 0.000014)),
			fn("gcp", "acme-prod", "europe-west3", "health-check", 0, 0),
		},
		Previous: []FunctionCost{
			fn("aws", "111111111111", "us-east-1", "checkout-api", 2_000_000, 300_000,
				item("requests", 2_000_000, "requests", 700_000, awsReq),
				item("compute", 300_000, "GB-s", 280_000, awsGBs)),
			fn("aws", "111111111111", "eu-west-1", "image-resize", 2_500_000, 1_100_000,
				item("requests", 2_500_000, "requests", 300_000, awsReq),
				item("compute", 1_100_000, "GB-s", 120_000, armGBs),
				item("provisioned_concurrency", 4_320_000, "GB-s", 0, 0.0000041667)),
			fn("aws", "222222222222", "us-east-1", "etl-nightly", 30_000, 120_000,
				item("requests", 30_000, "requests", 0, awsReq),
				item("compute", 120_000, "GB-s", 0, awsGBs)),
			fn("aws", "222222222222", "us-west-2", "legacy-cron", 8_640, 43_200,
				item("requests", 8_640, "requests", 0, awsReq),
				item("compute", 43_200, "GB-s", 0, awsGBs)),
		},
	}
}
