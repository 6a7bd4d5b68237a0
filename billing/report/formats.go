package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/faascope/faascope/billing"
)

// CSVHeader is the CSV's first row.
var CSVHeader = []string{"month", "tenant", "provider", "account", "region", "function",
	"item", "quantity", "unit", "free_quantity", "rate", "cost_usd"}

// NoItems is the item of the one row a function without line items gets,
// so that every function of the report is in the CSV and the cost_usd
// column always adds up to the total.
const NoItems = "none"

// CSV writes one row per function and line item, in the report's order,
// after a CSVHeader row: RFC 4180 (CRLF, quoted where needed), UTF-8
// without a byte order mark. Numbers are written with '.' and at full
// precision, never in exponent form, so that summing cost_usd in a
// spreadsheet gives the report's total to the cent however many rows
// there are (rounding each row to 6 decimals could drift by a cent from
// 20,000 rows). A text cell that a spreadsheet would run as a formula (it
// starts with = + - @, a tab or a CR) gets a leading apostrophe: function
// names come from telemetry, which anyone with an ingest token can send.
func (r Report) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("cannot write report CSV: %w", err)
	}
	for _, f := range r.Functions {
		items := f.Items
		if len(items) == 0 {
			items = []billing.LineItem{{Kind: NoItems, Cost: f.CostUSD}}
		}
		for _, it := range items {
			row := []string{r.Month, cell(r.Tenant), cell(f.Provider), cell(f.AccountID), cell(f.Region), cell(f.Function),
				cell(it.Kind), number(it.Quantity), cell(it.Unit), number(it.FreeQuantity), number(it.Rate), number(it.Cost)}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("cannot write report CSV: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("cannot write report CSV: %w", err)
	}
	return nil
}

// cell neutralizes a text that spreadsheets would evaluate (OWASP's advice
// for CSV injection).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// number is the shortest decimal that reads back as x.
func number(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// JSON writes the report as one indented JSON object, amounts at full
// precision. It fails on a NaN or infinite amount, which JSON cannot hold.
func (r Report) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("cannot write report JSON: %w", err)
	}
	return nil
}
