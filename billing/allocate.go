package billing

import (
	"cmp"
	"slices"
	"time"
)

// poolKey scopes free allowances and subscriptions: one account, plan and
// month. Architectures and regions share it (AWS: one free pool for x86_64
// and arm64, pricing.md §1.1; GCP: per billing account; Azure: per
// subscription). Separate plans keep separate allowances.
type poolKey struct {
	account string
	plan    Plan
	month   time.Time
	key     string // rate key: compute and init share gb_second
}

// tierKey scopes volume tiers: per account, region and architecture (AWS,
// pricing.md §1.2).
type tierKey struct {
	poolKey
	region, arch string
}

func poolOf(lines []resolvedLine, c *cell) poolKey {
	l := &lines[c.line]
	return poolKey{account: l.in.Account, plan: l.in.Plan, month: l.month, key: c.m.key}
}

// applyAllowances prices the cells in three steps: allowances counted in
// units come off the usage first, volume tiers price what remains, then
// allowances valued in money (GCP's free tier at tier-1 prices) come off the
// cost. Included amounts go before the free tier, which only applies to the
// accounts the policy selects.
func applyAllowances(cells []cell, lines []resolvedLine, ft FreeTierPolicy) {
	allowances := []func(*resolvedLine) allowance{
		func(l *resolvedLine) allowance { return l.ver.included },
		func(l *resolvedLine) allowance {
			if ft.applies(l.in.Account) {
				return l.ver.free
			}
			return allowance{}
		},
	}
	for _, a := range allowances {
		eachGroup(cells, func(c *cell) poolKey { return poolOf(lines, c) }, func(g []*cell) {
			if al := a(&lines[g[0].line]); !al.valueAtBase {
				deductUnits(g, al.amounts[g[0].m.key])
			}
		})
	}
	eachGroup(cells, func(c *cell) tierKey {
		l := &lines[c.line]
		return tierKey{poolKey: poolOf(lines, c), region: l.in.Region, arch: l.arch}
	}, priceTiers)
	for _, a := range allowances {
		eachGroup(cells, func(c *cell) poolKey { return poolOf(lines, c) }, func(g []*cell) {
			l := &lines[g[0].line]
			if al := a(l); al.valueAtBase {
				base := l.ver.sets[""][ArchX86][g[0].m.key].listPrice()
				deductValue(g, al.amounts[g[0].m.key]*base)
			}
		})
	}
}

// deductUnits spreads an allowance of units over the group's billable usage.
func deductUnits(g []*cell, amount float64) {
	if amount <= 0 {
		return
	}
	billable := billables(g)
	shares := allocate(min(amount, sum(billable)), billable)
	for i, c := range g {
		c.free += shares[i]
	}
}

// priceTiers prices a tier group's billable usage through the volume tiers
// and gives each cell its share of the cost.
func priceTiers(g []*cell) {
	billable := billables(g)
	total := sum(billable)
	cost := g[0].rate.cost(total)
	unit := g[0].rate.listPrice()
	if total > 0 {
		unit = cost / total
	}
	shares := allocate(cost, billable)
	for i, c := range g {
		c.cost, c.unitPrice = shares[i], unit
	}
}

// deductValue spreads a credit over the group's cost and records the units it
// covers at each cell's price.
func deductValue(g []*cell, credit float64) {
	if credit <= 0 {
		return
	}
	costs := make([]float64, len(g))
	for i, c := range g {
		costs[i] = c.cost
	}
	shares := allocate(min(credit, sum(costs)), costs)
	for i, c := range g {
		c.cost -= shares[i]
		if c.unitPrice > 0 {
			c.free = min(c.qty, c.free+shares[i]/c.unitPrice)
		}
	}
}

// subscriptionCells gives every line of an account-month on a plan with a
// subscription its share of one month's subscription, in proportion to its
// requests (equal shares when there are none).
func subscriptionCells(lines []resolvedLine) []cell {
	sub := &meters[slices.IndexFunc(meters, func(m meter) bool { return m.key == "subscription" })]
	var subscribed []int
	for i := range lines {
		if lines[i].rates[sub.key] != nil {
			subscribed = append(subscribed, i)
		}
	}
	var cells []cell
	for _, g := range groupBy(len(subscribed), func(j int) poolKey {
		l := &lines[subscribed[j]]
		return poolKey{account: l.in.Account, plan: l.in.Plan, month: l.month, key: sub.key}
	}) {
		weights := make([]float64, len(g))
		for j, k := range g {
			weights[j] = float64(lines[subscribed[k]].in.Requests)
		}
		for j, share := range allocate(1, weights) {
			i := subscribed[g[j]]
			cells = append(cells, cell{line: i, m: sub, rate: lines[i].rates[sub.key], qty: share})
		}
	}
	return cells
}

// eachGroup calls fn with the cells of each group.
func eachGroup[K comparable](cells []cell, key func(*cell) K, fn func([]*cell)) {
	for _, idx := range groupBy(len(cells), func(i int) K { return key(&cells[i]) }) {
		g := make([]*cell, len(idx))
		for j, i := range idx {
			g[j] = &cells[i]
		}
		fn(g)
	}
}

// groupBy groups the indices 0..n-1 by key, groups in order of first appearance.
func groupBy[K comparable](n int, key func(int) K) [][]int {
	pos := map[K]int{}
	var groups [][]int
	for i := range n {
		k := key(i)
		p, ok := pos[k]
		if !ok {
			p = len(groups)
			pos[k] = p
			groups = append(groups, nil)
		}
		groups[p] = append(groups[p], i)
	}
	return groups
}

func billables(g []*cell) []float64 {
	out := make([]float64, len(g))
	for i, c := range g {
		out[i] = max(c.qty-c.free, 0)
	}
	return out
}

// allocate splits amount in proportion to weights, or equally when every
// weight is zero, so the shares add up to amount.
func allocate(amount float64, weights []float64) []float64 {
	out := make([]float64, len(weights))
	total := sum(weights)
	for i, w := range weights {
		if total > 0 {
			out[i] = amount * (w / total)
		} else {
			out[i] = amount / float64(len(weights))
		}
	}
	return out
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}

// assemble turns priced cells into the bill: line items in input order and
// per-account-month totals sorted by month, provider and account.
func assemble(lines []resolvedLine, cells []cell) Bill {
	b := Bill{Lines: make([]LineCost, len(lines))}
	for i := range lines {
		b.Lines[i] = LineCost{Key: lines[i].in.Key, Items: []LineItem{}, Notes: lines[i].notes}
	}
	for i := range cells {
		c := &cells[i]
		it := LineItem{
			Kind: c.m.kind, Quantity: c.qty, Unit: cmp.Or(c.rate.unit, c.m.unit),
			FreeQuantity: c.free, Rate: c.unitPrice, Cost: c.cost, Unconfirmed: c.rate.unconfirmed,
		}
		lc := &b.Lines[c.line]
		lc.Items = append(lc.Items, it)
		lc.Total += it.Cost
	}
	accountOf := func(i int) AccountCost {
		return AccountCost{Provider: lines[i].in.Provider, Account: lines[i].in.Account, Month: lines[i].month}
	}
	for _, g := range groupBy(len(lines), accountOf) {
		a := accountOf(g[0])
		for _, i := range g {
			a.Total += b.Lines[i].Total
		}
		b.Accounts = append(b.Accounts, a)
	}
	slices.SortFunc(b.Accounts, func(x, y AccountCost) int {
		return cmp.Or(x.Month.Compare(y.Month), cmp.Compare(x.Provider, y.Provider), cmp.Compare(x.Account, y.Account))
	})
	for _, a := range b.Accounts {
		b.Total += a.Total
	}
	if len(lines) > 0 {
		b.Currency = lines[0].plan.info.Currency
	}
	return b
}
