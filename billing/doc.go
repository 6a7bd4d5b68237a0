// Package billing owns what faascope knows about pay-per-use prices: the price
// catalogs (rates with effective dates), the metering rules that turn one
// invocation's duration and memory into billed units, and the cost model that
// prices aggregated usage. The rules and rates come from ../shared/pricing.md.
//
// This package currently holds metering only (Plan, Usage, Meter and the
// per-plan rules in metering.go). It is pure: no I/O, no clock, no globals that
// change after init, and it imports only the standard library.
package billing
