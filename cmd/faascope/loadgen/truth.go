package loadgen

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/faascope/faascope/billing"
	"github.com/faascope/faascope/schemas"
)

// Truth is what was sent: per function, the counts faascope should report.
type Truth struct {
	Seed uint64 `json:"seed"`
	// From and To bound the start times of every span sent: [From, To).
	From      time.Time       `json:"from"`
	To        time.Time       `json:"to"`
	Spans     uint64          `json:"spans"`
	Functions []FunctionTruth `json:"functions"`
}

// FunctionTruth is one function's ground truth. Key fields are spelled as
// faascope's function list spells them.
type FunctionTruth struct {
	Provider    string `json:"provider"`
	Platform    string `json:"platform"`
	Plan        string `json:"plan"`
	Region      string `json:"region"`
	AccountID   string `json:"account_id"`
	Function    string `json:"function"`
	Invocations uint64 `json:"invocations"`
	ColdStarts  uint64 `json:"cold_starts"`
	Throttles   uint64 `json:"throttles"`
	Errors      uint64 `json:"errors"`
	Timeouts    uint64 `json:"timeouts"`
	// BilledGBSeconds is what the provider bills for duration (and INIT where
	// billed), under the plan's rounding and memory rules (pricing.md).
	BilledGBSeconds float64   `json:"billed_gb_seconds"`
	First           time.Time `json:"first"`
	Last            time.Time `json:"last"`
}

func newTruth(w Workload, seed uint64) *Truth {
	t := &Truth{Seed: seed, Functions: make([]FunctionTruth, len(w.Functions))}
	for i, f := range w.Functions {
		t.Functions[i] = FunctionTruth{
			Provider: f.provider(), Platform: f.platform(), Plan: f.Plan,
			Region: f.Region, AccountID: f.Account, Function: f.Name,
		}
	}
	return t
}

// record counts one event.
func (t *Truth) record(ev *Event, spans int) {
	ft := &t.Functions[ev.FnIndex]
	t.Spans += uint64(spans)
	first := ev.Arrival
	last := ev.Start
	if ft.First.IsZero() || first.Before(ft.First) {
		ft.First = first
	}
	if last.After(ft.Last) {
		ft.Last = last
	}
	if t.From.IsZero() || first.Before(t.From) {
		t.From = first.Truncate(time.Second)
	}
	if end := last.Truncate(time.Second).Add(time.Second); end.After(t.To) {
		t.To = end
	}
	if ev.Throttled {
		ft.Throttles++
		return
	}
	ft.Invocations++
	if ev.Cold {
		ft.ColdStarts++
	}
	switch ev.Outcome {
	case schemas.OutcomeError:
		ft.Errors++
	case schemas.OutcomeTimeout:
		ft.Timeouts++
	}
	m := billing.MeterFor(billing.Plan(ev.Fn.Plan)).Meter(billing.Usage{
		Start: ev.Start, DurationMs: ev.DurationMs, InitMs: ev.InitMs, ColdStart: ev.Cold, MemoryMB: ev.Fn.MemoryMB,
	})
	ft.BilledGBSeconds += float64(m.BilledDurationMs) / 1000 * float64(m.BilledMemoryMB) / 1024
}

// Total sums every function's counts.
func (t *Truth) Total() FunctionTruth {
	var s FunctionTruth
	for _, f := range t.Functions {
		s.Invocations += f.Invocations
		s.ColdStarts += f.ColdStarts
		s.Throttles += f.Throttles
		s.Errors += f.Errors
		s.Timeouts += f.Timeouts
		s.BilledGBSeconds += f.BilledGBSeconds
	}
	return s
}

// WriteFile writes the truth as indented JSON.
func (t *Truth) WriteFile(path string) error {
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode truth: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("cannot write truth: %w", err)
	}
	return nil
}
