package keepwarm

import (
	"fmt"
	"time"

	"github.com/faascope/faascope/billing"
)

// pricer prices replayed usage with the catalog's marginal list prices: no
// free tier, since keep-warm competes for the same allowance as the rest of
// the account and the marginal dollar is what it adds.
type pricer struct {
	cat    *billing.Catalog
	fn     *Function
	plan   billing.Plan
	month  time.Time
	params *Params
}

// cost is the bill of one replay (§5.5): requests and billed duration of
// user calls and pings, ping-induced INIT where billed, provisioned
// concurrency, and the always-ready or min-instance idle charge.
func (p *pricer) cost(u usage, reserve string) (float64, error) {
	line := p.line()
	line.Requests, line.BilledMBms, line.InitMBms, line.BilledMs = u.requests, u.billedMBms, u.initMBms, u.billedMs
	lines := []billing.UsageLine{line}
	extra := 0.0
	gbs := billing.MBToGB(float64(p.fn.MemoryMB)) * u.reservedTime.Seconds()
	switch reserve {
	case ActionProvisioned:
		lines[0].ProvisionedMBSeconds = uint64(float64(p.fn.MemoryMB) * u.reservedTime.Seconds())
		lines[0].ProvisionedBilledMBms = u.pcMBms
	case ActionAlwaysReady:
		extra = p.params.AlwaysReadyBaselineUSDPerGBs * gbs
	case ActionMinInstances:
		// Idle min instances bill memory at the usual rate and CPU at the
		// idle rate (pricing.md §2.2): the CPU seconds are scaled down so the
		// catalog's active CPU rate yields the idle price.
		idle := p.line()
		idle.Key = "min-instances-idle"
		idleMs := uint64(u.reservedIdle / time.Millisecond)
		idle.BilledMBms = idleMs * uint64(p.fn.MemoryMB)
		idle.BilledMs = uint64(float64(idleMs) * p.params.IdleCPUPriceFactor)
		lines = append(lines, idle)
	}
	bill, err := p.cat.Price(lines, billing.FreeTierPolicy{})
	if err != nil {
		return 0, fmt.Errorf("cannot price the replay: %w", err)
	}
	return bill.Total + extra, nil
}

func (p *pricer) line() billing.UsageLine {
	return billing.UsageLine{
		Key: "keepwarm", Account: "keepwarm", Provider: p.fn.Provider, Plan: p.plan,
		Region: p.fn.Region, Arch: p.fn.Arch, MemoryMB: p.fn.MemoryMB, Month: p.month,
	}
}
