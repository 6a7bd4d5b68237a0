package report

import (
	"cmp"
	"math"
	"slices"

	"github.com/faascope/faascope/billing"
)

// Build makes the report. It only adds, compares and orders what it is
// given, so the same input gives the same report. Entries of one function
// (same provider, account, region and name) are added together; otherwise
// the input order does not matter, because every sum is taken in the
// report's own order (cost, highest first, then key).
func Build(in Input) Report {
	cur, prev := merge(in.Functions), merge(in.Previous)
	r := Report{
		Tenant:           in.Tenant,
		Month:            in.Month.UTC().Format("2006-01"),
		Generated:        in.Generated.UTC(),
		Currency:         cmp.Or(in.Currency, "USD"),
		PriceCatalogNote: in.PriceCatalogNote,
		Partial:          in.Partial,
		Accounts:         totals(cur, prev, accountOf),
		Providers:        totals(cur, prev, providerOf),
		Regions:          totals(cur, prev, regionOf),
		Functions:        functionLines(cur, prev),
	}
	for _, f := range r.Functions {
		r.TotalUSD += f.CostUSD
	}
	if len(prev) > 0 {
		c := compare(r.TotalUSD, sumCost(prev))
		r.PreviousTotalUSD, r.ChangeUSD, r.ChangePct = c.PreviousUSD, c.ChangeUSD, c.ChangePct
	}
	r.TopMovers = movers(r.Functions, prev)
	r.LineItemTotals = itemTotals(r.Functions)
	return r
}

func idOf(f *FunctionCost) string {
	return f.Provider + ":" + f.AccountID + ":" + f.Region + ":" + f.Function
}

func refOf(f *FunctionCost) FunctionRef {
	return FunctionRef{ID: idOf(f), Provider: f.Provider, AccountID: f.AccountID, Region: f.Region, Function: f.Function}
}

func accountOf(f *FunctionCost) Total {
	return Total{Key: f.Provider + ":" + f.AccountID, Provider: f.Provider, AccountID: f.AccountID}
}

func providerOf(f *FunctionCost) Total { return Total{Key: f.Provider, Provider: f.Provider} }

func regionOf(f *FunctionCost) Total {
	return Total{Key: f.Provider + ":" + f.Region, Provider: f.Provider, Region: f.Region}
}

// merge adds up the entries of each function, so that a function the
// caller priced in pieces (e.g. under two plans) is one line with all its
// items, and orders the functions. It copies: the report shares no slice
// with the input.
func merge(fns []FunctionCost) []FunctionCost {
	byID := map[string]*FunctionCost{}
	for i := range fns {
		f := &fns[i]
		m := byID[idOf(f)]
		if m == nil {
			m = &FunctionCost{Provider: f.Provider, AccountID: f.AccountID, Region: f.Region, Function: f.Function,
				Items: []billing.LineItem{}}
			byID[idOf(f)] = m
		}
		m.Requests += f.Requests
		m.BilledGBs += f.BilledGBs
		m.CostUSD += f.CostUSD
		m.Items = append(m.Items, f.Items...)
	}
	out := values(byID)
	byCost(out, func(f *FunctionCost) float64 { return f.CostUSD }, idOf)
	return out
}

func sumCost(fns []FunctionCost) float64 {
	var s float64
	for _, f := range fns {
		s += f.CostUSD
	}
	return s
}

// compare is the change from prev to cur. A percentage of a change from
// nothing would be infinite, so it is left out.
func compare(cur, prev float64) Change {
	c := Change{PreviousUSD: &prev, ChangeUSD: ptr(cur - prev)}
	if prev != 0 {
		c.ChangePct = ptr((cur - prev) / prev * 100)
	}
	return c
}

func ptr(v float64) *float64 { return &v }

// cents rounds to the displayed amount; adding 0 turns -0 into 0.
func cents(x float64) float64 { return math.Round(x*100)/100 + 0 }

// totals groups the functions of both months with group, which names a
// function's group (Key and labels only).
func totals(cur, prev []FunctionCost, group func(*FunctionCost) Total) []Total {
	byKey := map[string]*Total{}
	at := func(f *FunctionCost) *Total {
		g := group(f)
		if t := byKey[g.Key]; t != nil {
			return t
		}
		byKey[g.Key] = &g
		return &g
	}
	for i := range cur {
		t := at(&cur[i])
		t.Functions++
		t.Requests += cur[i].Requests
		t.CostUSD += cur[i].CostUSD
	}
	prevCost := map[string]float64{}
	for i := range prev {
		prevCost[at(&prev[i]).Key] += prev[i].CostUSD
	}
	out := values(byKey)
	for i := range out {
		if len(prev) > 0 { // else nothing to compare with
			out[i].Change = compare(out[i].CostUSD, prevCost[out[i].Key])
		}
	}
	byCost(out, func(t *Total) float64 { return t.CostUSD }, func(t *Total) string { return t.Key })
	return out
}

func functionLines(cur, prev []FunctionCost) []FunctionLine {
	prevCost := make(map[string]float64, len(prev))
	for i := range prev {
		prevCost[idOf(&prev[i])] = prev[i].CostUSD
	}
	out := make([]FunctionLine, len(cur))
	for i := range cur {
		f := &cur[i]
		out[i] = FunctionLine{FunctionRef: refOf(f), Requests: f.Requests, BilledGBs: f.BilledGBs, Items: f.Items, CostUSD: f.CostUSD}
		if len(prev) > 0 {
			p, seen := prevCost[out[i].ID]
			out[i].New = !seen
			out[i].Change = compare(f.CostUSD, p)
		}
	}
	return out
}

// movers picks the largest increases and decreases. A change that rounds
// to 0.00 is noise to a reader of the report, not a move. Functions gone
// this month are not in lines, so they come from prev.
func movers(lines []FunctionLine, prev []FunctionCost) []Mover {
	var up, down []Mover
	add := func(m Mover) {
		switch d := cents(*m.ChangeUSD); {
		case d > 0:
			up = append(up, m)
		case d < 0:
			down = append(down, m)
		}
	}
	current := make(map[string]bool, len(lines))
	for _, l := range lines {
		current[l.ID] = true
		if l.ChangeUSD == nil {
			continue // no previous month
		}
		kind := MoverUp
		if l.New {
			kind = MoverNew
		} else if *l.ChangeUSD < 0 {
			kind = MoverDown
		}
		add(Mover{FunctionRef: l.FunctionRef, Kind: kind, CostUSD: l.CostUSD, Change: l.Change})
	}
	for i := range prev {
		if f := &prev[i]; !current[idOf(f)] {
			add(Mover{FunctionRef: refOf(f), Kind: MoverGone, Change: compare(0, f.CostUSD)})
		}
	}
	id := func(m *Mover) string { return m.ID }
	byCost(up, func(m *Mover) float64 { return *m.ChangeUSD }, id)
	byCost(down, func(m *Mover) float64 { return -*m.ChangeUSD }, id)
	return append(append([]Mover{}, up[:min(len(up), MaxMovers)]...), down[:min(len(down), MaxMovers)]...)
}

// itemTotals adds the line items of all functions per kind and unit.
func itemTotals(lines []FunctionLine) []ItemTotal {
	byKind := map[string]*ItemTotal{}
	for _, l := range lines {
		for _, it := range l.Items {
			k := it.Kind + " " + it.Unit
			t := byKind[k]
			if t == nil {
				t = &ItemTotal{Kind: it.Kind, Unit: it.Unit}
				byKind[k] = t
			}
			t.Quantity += it.Quantity
			t.FreeQuantity += it.FreeQuantity
			t.CostUSD += it.Cost
		}
	}
	out := values(byKind)
	byCost(out, func(t *ItemTotal) float64 { return t.CostUSD }, func(t *ItemTotal) string { return t.Kind + " " + t.Unit })
	return out
}

// values lists a map's values (never nil) for byCost to order.
func values[T any](m map[string]*T) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		out = append(out, *v)
	}
	return out
}

// byCost orders by cost, highest first, then by key, the order of every
// list in a report.
func byCost[T any](s []T, cost func(*T) float64, key func(*T) string) {
	slices.SortFunc(s, func(a, b T) int {
		return cmp.Or(cmp.Compare(cost(&b), cost(&a)), cmp.Compare(key(&a), key(&b)))
	})
}
