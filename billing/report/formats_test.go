package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/faascope/faascope/billing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ (review the diff before committing)")

// TestGolden pins every byte of each format for the sample month, so that
// a change to a format is a reviewed diff of testdata/.
func TestGolden(t *testing.T) {
	r := Build(sample())
	for file, write := range map[string]func(*bytes.Buffer) error{
		"report.csv":  func(b *bytes.Buffer) error { return r.CSV(b) },
		"report.html": func(b *bytes.Buffer) error { return r.HTML(b) },
		"report.json": func(b *bytes.Buffer) error { return r.JSON(b) },
	} {
		t.Run(file, func(t *testing.T) {
			var got bytes.Buffer
			if err := write(&got); err != nil {
				t.Fatal(err)
			}
			golden(t, file, got.Bytes())
		})
	}
}

func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./billing/report/ -update writes it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			t.Fatalf("%s differs at line %d:\ngot  %q\nwant %q\n(go test ./billing/report/ -update rewrites it)", path, i+1, g[i], w[i])
		}
	}
	t.Fatalf("%s: got %d lines, want %d (go test ./billing/report/ -update rewrites it)", path, len(g), len(w))
}

// TestCSVParsesBack reads the CSV as a spreadsheet would and finds every
// function, item and amount of the report, and the total to the cent.
func TestCSVParsesBack(t *testing.T) {
	in := sample()
	in.Functions = append(in.Functions, fn("aws", "111111111111", "us-east-1", `=HYPERLINK("http://x","a")`, 1, 1,
		item("requests", 1, "requests", 0, 0.0000002)))
	r := Build(in)
	var b bytes.Buffer
	if err := r.CSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], CSVHeader) {
		t.Fatalf("header %v", rows[0])
	}
	rows = rows[1:]
	var sum float64
	for _, f := range r.Functions {
		items := f.Items
		if len(items) == 0 {
			items = []billing.LineItem{{Kind: NoItems, Cost: f.CostUSD}}
		}
		for _, it := range items {
			row := rows[0]
			rows = rows[1:]
			name := f.Function
			if strings.HasPrefix(name, "=") {
				name = "'" + name
			}
			want := []string{"2026-10", "acme", f.Provider, f.AccountID, f.Region, name, it.Kind}
			if !slices.Equal(row[:7], want) {
				t.Errorf("row %v, want it to start with %v", row, want)
			}
			for col, v := range map[int]float64{7: it.Quantity, 9: it.FreeQuantity, 10: it.Rate, 11: it.Cost} {
				if got, err := strconv.ParseFloat(row[col], 64); err != nil || got != v {
					t.Errorf("row %v column %s: %q, want %v", row[:7], CSVHeader[col], row[col], v)
				}
			}
			if row[8] != it.Unit {
				t.Errorf("row %v: unit %q, want %q", row[:7], row[8], it.Unit)
			}
			sum += it.Cost
		}
	}
	if len(rows) != 0 {
		t.Errorf("%d rows more than the report has items", len(rows))
	}
	if math.Round(sum*100) != math.Round(r.TotalUSD*100) {
		t.Errorf("cost_usd adds up to %v, total %v", sum, r.TotalUSD)
	}
}

func TestCSVFormulaCells(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "checkout-api": "checkout-api", "": ""} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestHTMLEscapes: names come from telemetry, so a hostile one must show
// as text, never run or break out of the page's markup.
func TestHTMLEscapes(t *testing.T) {
	const script, img = `<script>alert("fn")</script>`, `"><img src=x onerror=alert(1)>`
	in := sample()
	in.Tenant, in.PriceCatalogNote = img, "</p><script>alert(2)</script>"
	in.Functions = append(in.Functions, fn("aws", img, "us-east-1</title>", script, 1, 1,
		item("requests", 1e9, "requests<b>", 0, 1)))
	in.Previous = append(in.Previous, fn("aws", "1", "r", script+"gone", 1, 1, item("requests", 1, "requests", 0, 1)))
	var b bytes.Buffer
	if err := Build(in).HTML(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"<script", "<img", "<b>", "</title>\"", `alert("fn")`} {
		if strings.Contains(strings.ToLower(out), bad) {
			t.Errorf("page contains %q unescaped", bad)
		}
	}
	if n := strings.Count(out, "&lt;script&gt;alert(&#34;fn&#34;)&lt;/script&gt;"); n < 4 {
		t.Errorf("escaped function name shown %d times, want it in the chart, movers and functions", n)
	}
}

func TestHTMLEmptyMonth(t *testing.T) {
	var b bytes.Buffer
	if err := Build(Input{Tenant: "t", Month: october, Generated: generated}).HTML(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"No function ran this month.", "<div class=\"v\">0.00</div>"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(b.String(), "<svg") || strings.Contains(b.String(), "Top movers") {
		t.Error("an empty month without a previous one has a chart or movers")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	want := Build(sample())
	var b bytes.Buffer
	if err := want.JSON(&b); err != nil {
		t.Fatal(err)
	}
	var got Report
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var wantJSON, gotJSON bytes.Buffer
	_ = want.JSON(&wantJSON)
	_ = got.JSON(&gotJSON)
	if wantJSON.String() != gotJSON.String() {
		t.Error("JSON does not read back into the same report")
	}
}

func TestJSONRejectsNaN(t *testing.T) {
	r := Build(Input{Functions: []FunctionCost{costing("a", "r", "f", math.NaN())}})
	if err := r.JSON(&bytes.Buffer{}); err == nil {
		t.Error("NaN cost encoded")
	}
}

func TestDisplayFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{money(1234567.891), "1,234,567.89"}, {money(-0.001), "0.00"}, {money(-12.345), "-12.35"}, {money(0.005), "0.01"},
		{signed(3), "+3.00"}, {signed(-3), "-3.00"}, {signed(0.001), "0.00"},
		{pct(ptr(12.34)), "+12.3%"}, {pct(ptr(-0.04)), "0.0%"}, {pct(ptr(0)), "0.0%"}, {pct(nil), ""},
		{count(15030031), "15,030,031"}, {count(0), "0"},
		{qty(2110012.5), "2,110,012.5"}, {qty(195121.95121951218), "195,121.951"}, {qty(0), "0"},
		{rate(0.0000166667), "0.0000166667"}, {rate(0.0000002), "0.0000002"}, {rate(0), "0"},
		{truncate("abcdef", 4), "abc…"}, {truncate("abcd", 4), "abcd"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestPartialMonth: the month to date says so in JSON and on the page, so
// that nobody takes it for the month's bill; a month that is over says
// nothing (the golden files hold that).
func TestPartialMonth(t *testing.T) {
	in := sample()
	in.Partial = true
	r := Build(in)
	var page, doc bytes.Buffer
	if err := r.HTML(&page); err != nil {
		t.Fatal(err)
	}
	if err := r.JSON(&doc); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h1>Serverless costs, 2026-10 to date</h1>", "the month is not over"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if !strings.Contains(doc.String(), `"partial": true`) {
		t.Error(`JSON lacks "partial": true`)
	}
}
