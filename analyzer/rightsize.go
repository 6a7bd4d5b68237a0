package analyzer

import (
	"fmt"
	"time"

	"github.com/faascope/faascope/billing"
)

// A right-size hint comes from what a function's own traffic shows, never
// from a model of how it would behave. Traces carry configured memory but
// not memory used (faas.mem_usage is a metric, not a span attribute), so
// faascope cannot say "you use 30% of your memory"; it can compare the memory
// sizes a function actually ran with, and price the same usage on arm64.

// minConfigInvocations is the fewest calls at one memory size whose average
// cost per call is trusted for a comparison.
const minConfigInvocations = 100

// rightSize returns the hint that saves most per month, or nil.
func (r *Reader) rightSize(rows []usageRow, bill billing.Bill, span time.Duration) (*RightSizeHint, error) {
	perMonth := float64(30*24*time.Hour) / float64(span)
	best := memoryHint(rows, bill, perMonth)
	arm, err := r.armHint(rows, bill, perMonth)
	if err != nil {
		return nil, err
	}
	if best == nil || (arm != nil && arm.MonthlySavingUSD > best.MonthlySavingUSD) {
		best = arm
	}
	return best, nil
}

// memoryRun is what a function did at one memory size.
type memoryRun struct {
	mb          uint32
	invocations uint64
	cost, msSum float64
}

func (m memoryRun) perCall() float64 { return m.cost / float64(m.invocations) }

// memoryHint compares the memory sizes the function ran with (a config
// change inside the range, or a canary) and suggests the cheapest per call.
// The saving applies its cost per call to the calls of the size that served
// most of the traffic.
func memoryHint(rows []usageRow, bill billing.Bill, perMonth float64) *RightSizeHint {
	runs := map[uint32]*memoryRun{}
	for i, row := range rows {
		if row.Invocations == 0 || row.MemoryMB == 0 {
			continue
		}
		m := runs[row.MemoryMB]
		if m == nil {
			m = &memoryRun{mb: row.MemoryMB}
			runs[row.MemoryMB] = m
		}
		m.invocations += row.Invocations
		m.cost += bill.Lines[i].Total
		m.msSum += row.DurationMsSum
	}
	var main, cheapest *memoryRun
	for _, m := range runs {
		if m.invocations < minConfigInvocations {
			continue
		}
		if main == nil || m.invocations > main.invocations {
			main = m
		}
		if cheapest == nil || m.perCall() < cheapest.perCall() {
			cheapest = m
		}
	}
	if main == nil || cheapest == main {
		return nil
	}
	saving := (main.perCall() - cheapest.perCall()) * float64(main.invocations) * perMonth
	return &RightSizeHint{
		Suggestion: fmt.Sprintf("set memory to %d MB", cheapest.mb),
		Reason: fmt.Sprintf("in this range a call at %d MB cost $%.8f and ran %.0f ms on average (%d calls); at %d MB it cost $%.8f and ran %.0f ms (%d calls)",
			main.mb, main.perCall(), main.msSum/float64(main.invocations), main.invocations,
			cheapest.mb, cheapest.perCall(), cheapest.msSum/float64(cheapest.invocations), cheapest.invocations),
		MonthlySavingUSD: saving,
	}
}

// armHint prices the function's x86_64 Lambda usage as arm64: the same
// billed GB-s at the arm64 rate of the same region (pricing.md §1.1).
func (r *Reader) armHint(rows []usageRow, bill billing.Bill, perMonth float64) (*RightSizeHint, error) {
	var x86 []usageRow
	var now float64
	for i, row := range rows {
		if row.Plan == string(billing.PlanAWSLambda) && row.Invocations > 0 && row.Arch != billing.ArchARM {
			x86 = append(x86, row)
			now += bill.Lines[i].Total
		}
	}
	if len(x86) == 0 {
		return nil, nil
	}
	for i := range x86 {
		x86[i].Arch = billing.ArchARM
	}
	armBill, err := r.prices.Price(usageLines(x86), billing.FreeTierPolicy{})
	if err != nil {
		return nil, fmt.Errorf("cannot price usage on arm64: %w", err)
	}
	saving := (now - armBill.Total) * perMonth
	if saving <= 0 {
		return nil, nil
	}
	return &RightSizeHint{
		Suggestion: "switch the architecture to arm64",
		Reason: fmt.Sprintf("at this region's arm64 rates this range's usage would have cost $%.6f instead of $%.6f (%.0f%% less). "+
			"Managed runtimes run unchanged; native dependencies and custom runtimes need an arm64 build, and durations should be compared after the switch",
			armBill.Total, now, 100*(1-armBill.Total/now)),
		MonthlySavingUSD: saving,
	}, nil
}
