// Package report builds a tenant's monthly billing report from priced
// usage and writes it as CSV, JSON or a printable HTML page
// (docs/reports.md is the user's guide).
//
// The package is pure: no I/O beyond the io.Writer it is given, no clock
// (the caller passes the month and the generation time), no ClickHouse. The
// caller prices the month and the month before with the cost API's rules
// (analyzer.Reader.Costs grouped by function, free tier and volume tiers
// applied per account) and converts each group into a FunctionCost; Build
// only adds, compares and orders. Because every total is a sum of those
// function costs, a report's totals equal /api/v1/costs for the same month
// to the cent.
//
// It imports the standard library and billing only, so that billing never
// depends on the analyzer that imports it.
package report
