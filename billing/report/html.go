package report

import (
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/faascope/faascope/billing"
)

//go:embed report.html.tmpl
var pageSource string

// page is parsed once: html/template escapes every value by where it lands
// (text, attribute, SVG), which is what keeps a function named <script>
// inert. The page's Content-Security-Policy forbids scripts as well.
var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"money": money, "signed": signed, "pct": pct, "trend": trend,
	"count": count, "qty": qty, "rate": rate,
}).Parse(pageSource))

// HTML writes a self-contained printable page: inline CSS and an inline
// SVG bar chart of the most expensive functions, no scripts, nothing
// fetched. Amounts on the page are rounded to cents; the CSV and JSON keep
// full precision.
func (r Report) HTML(w io.Writer) error {
	v := htmlView{Report: r, Compare: r.PreviousTotalUSD != nil, Unconfirmed: unconfirmed(r.Functions),
		Chart: functionChart(r.Functions), Groups: []totalsTable{
			{"Accounts", "Account", labeled(r.Accounts)},
			{"Providers", "Provider", labeled(r.Providers)},
			{"Regions", "Region", labeled(r.Regions)},
		}}
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("cannot write report HTML: %w", err)
	}
	return nil
}

type htmlView struct {
	Report
	Compare     bool // the report has a previous month
	Unconfirmed bool // some rate is flagged unconfirmed and needs the footnote
	Chart       *chart
	Groups      []totalsTable
}

func unconfirmed(fns []FunctionLine) bool {
	for _, f := range fns {
		if slices.ContainsFunc(f.Items, func(it billing.LineItem) bool { return it.Unconfirmed }) {
			return true
		}
	}
	return false
}

type totalsTable struct {
	Title, Column string
	Rows          []labeledTotal
}

type labeledTotal struct {
	Label string
	Total
}

// labeled names each total by its provider and, for accounts and regions,
// the account or region ("(none)" when the telemetry had none). A total is
// an account's or a region's, never both.
func labeled(ts []Total) []labeledTotal {
	out := make([]labeledTotal, len(ts))
	for i, t := range ts {
		out[i] = labeledTotal{Label: t.Provider, Total: t}
		if t.Key != t.Provider {
			out[i].Label += " · " + cmp.Or(t.AccountID+t.Region, "(none)")
		}
	}
	return out
}

// Chart geometry, in SVG user units (CSS pixels on screen).
const (
	chartBars     = 10
	chartWidth    = 760
	chartBarX     = 300 // labels end left of it
	chartBarMax   = 360 // leaves room for the amount right of the longest bar
	chartRow      = 24
	chartBarH     = 16
	chartLabelMax = 42 // runes of a function name that fit left of the bars
)

type chart struct {
	Width, Height int
	Shown, Of     int // bars and functions
	Bars          []bar
}

type bar struct {
	Y, TextY, W, ValueX float64
	Label, Title        string
	CostUSD             float64
}

// functionChart draws the most expensive functions as horizontal bars,
// scaled to the first. There is no chart when nothing cost anything.
func functionChart(fns []FunctionLine) *chart {
	if len(fns) == 0 || fns[0].CostUSD <= 0 {
		return nil
	}
	c := &chart{Width: chartWidth, Of: len(fns)}
	for i, f := range fns[:min(len(fns), chartBars)] {
		if f.CostUSD <= 0 {
			break
		}
		y := float64(i*chartRow + 4)
		w := math.Max(1, f.CostUSD/fns[0].CostUSD*chartBarMax)
		c.Bars = append(c.Bars, bar{Y: y, TextY: y + chartBarH - 3, W: w, ValueX: chartBarX + w + 6,
			Label: truncate(f.Function, chartLabelMax), Title: f.ID, CostUSD: f.CostUSD})
	}
	c.Shown, c.Height = len(c.Bars), len(c.Bars)*chartRow+8
	return c
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// money is an amount rounded to cents with thousands separators.
func money(x float64) string {
	c := cents(x)
	s := group(strconv.FormatFloat(math.Abs(c), 'f', 2, 64))
	if c < 0 {
		return "-" + s
	}
	return s
}

// signed is money with a plus sign on increases.
func signed(x float64) string {
	if cents(x) > 0 {
		return "+" + money(x)
	}
	return money(x)
}

// pct is a percentage to one decimal, signed unless it shows as 0.0.
func pct(p *float64) string {
	switch {
	case p == nil:
		return ""
	case math.Round(*p*10) == 0:
		return "0.0%"
	}
	return fmt.Sprintf("%+.1f%%", *p)
}

// trend is the CSS class of a change: cost going up is bad news.
func trend(d *float64) string {
	switch {
	case d == nil || cents(*d) == 0:
		return ""
	case *d > 0:
		return "up"
	}
	return "down"
}

func count(n uint64) string { return group(strconv.FormatUint(n, 10)) }

// qty shows a quantity to three decimals, trailing zeros dropped.
func qty(x float64) string { return group(trimZeros(strconv.FormatFloat(x, 'f', 3, 64))) }

// rate shows a unit price to ten decimals, enough for per-request prices.
func rate(x float64) string { return trimZeros(strconv.FormatFloat(x, 'f', 10, 64)) }

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// group puts thousands separators into a non-negative decimal number.
func group(s string) string {
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, d := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}
