package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/faascope/faascope/cmd/faascope/loadgen"
)

// monthWorkload is a November of three functions in two AWS accounts and
// one Azure subscription: heavy enough that account 111111111111 uses up
// its free compute, light enough to backfill in seconds.
const monthWorkload = `
functions:
  - {name: render, plan: aws_lambda, shape: nodejs, region: us-east-1, account: "111111111111", arch: x86_64,
     memory_mb: 10240, duration: {median_ms: 9000, sigma: 0.3}, arrival: {pattern: poisson, per_hour: 8}}
  - {name: resize, plan: aws_lambda, shape: python, region: us-east-1, account: "111111111111", arch: arm64,
     memory_mb: 2048, duration: {median_ms: 3000, sigma: 0.3}, arrival: {pattern: office_hours, per_hour: 10}}
  - {name: app/queue, plan: azure_consumption, shape: azure, region: westeurope, account: sub-1,
     memory_mb: 512, duration: {median_ms: 800, sigma: 0.4}, arrival: {pattern: poisson, per_hour: 20}}
`

// getJSON fetches an API path, checks the status and decodes the body into out.
func getJSON(t *testing.T, api, path string, status int, out any) {
	t.Helper()
	resp, err := http.Get("http://" + api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %d %s, want %d", path, resp.StatusCode, body, status)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("GET %s: cannot decode %s: %v", path, body, err)
		}
	}
}

// TestAPIOnALoadgenMonth checks every read route against loadgen's truth
// for a month, and the cost engine against a recomputation from the raw
// rows with the published rates.
func TestAPIOnALoadgenMonth(t *testing.T) {
	in := startServe(t)
	dir := t.TempDir()
	workload, truthFile := filepath.Join(dir, "w.yaml"), filepath.Join(dir, "truth.json")
	if err := os.WriteFile(workload, []byte(monthWorkload), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"loadgen", "--endpoint", in.grpc, "--workload", workload,
		"--backfill", "720h", "--end", "2026-12-01T00:00:00Z", "--seed", "5", "--truth", truthFile,
	}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("loadgen exited %d: %s %s", code, stdout.String(), stderr.String())
	}
	truth := readTruth(t, truthFile)
	assertAPIMatchesTruth(t, in.api, truth)
	byName := map[string]loadgen.FunctionTruth{}
	for _, f := range truth.Functions {
		byName[f.Function] = f
	}
	t.Run("costs", func(t *testing.T) { checkMonthCosts(t, in) })
	t.Run("detail and series", func(t *testing.T) { checkDetailAndSeries(t, in, byName["render"]) })
	t.Run("cold starts", func(t *testing.T) { checkColdStarts(t, in.api, byName) })
	getJSON(t, in.api, "/api/v1/openapi.json", http.StatusOK, nil)
}

type costReport struct {
	TotalUSD float64 `json:"total_usd"`
	Groups   []struct {
		Key     string
		CostUSD float64 `json:"cost_usd"`
	}
}

// rawGBs sums billed GB-s and invocations of the stored rows matching cond.
func rawGBs(t *testing.T, in *instance, cond string) (gbs float64, requests uint64) {
	t.Helper()
	err := in.db.Conn.QueryRow(context.Background(), `SELECT sum(toUInt64(billed_duration_ms) * billed_memory_mb) / 1024 / 1000, count()
		FROM invocations WHERE record_type = 'invocation' AND `+cond).Scan(&gbs, &requests)
	if err != nil {
		t.Fatal(err)
	}
	return gbs, requests
}

func checkMonthCosts(t *testing.T, in *instance) {
	// pricing.md §1.1 and §3.1: AWS x86 and arm64 GB-s rates, one free pool
	// of 400,000 GB-s per account shared in proportion to use, 1M free
	// requests; Azure Consumption $0.000016 per GB-s with 400,000 free.
	const x86, arm, azure = 0.0000166667, 0.0000133334, 0.000016
	xGBs, xReq := rawGBs(t, in, "account_id = '111111111111' AND architecture = 'x86_64'")
	aGBs, aReq := rawGBs(t, in, "account_id = '111111111111' AND architecture = 'arm64'")
	zGBs, _ := rawGBs(t, in, "account_id = 'sub-1'")
	if xGBs+aGBs < 400_000 || xReq+aReq > 1_000_000 {
		t.Fatalf("workload no longer exceeds the free compute: %.0f GB-s, %d requests", xGBs+aGBs, xReq+aReq)
	}
	paid := 1 - 400_000/(xGBs+aGBs)
	wantAWS := xGBs*paid*x86 + aGBs*paid*arm
	wantAzure := math.Max(zGBs-400_000, 0) * azure
	var rep costReport
	getJSON(t, in.api, "/api/v1/costs?month=2026-11&group_by=account", http.StatusOK, &rep)
	got := map[string]float64{}
	for _, g := range rep.Groups {
		got[g.Key] = g.CostUSD
	}
	if math.Abs(got["aws:111111111111"]-wantAWS) > 1e-6 || math.Abs(got["azure:sub-1"]-wantAzure) > 1e-6 {
		t.Errorf("costs by account %v, want aws %.6f, azure %.6f", got, wantAWS, wantAzure)
	}
	var byFn costReport
	getJSON(t, in.api, "/api/v1/costs?month=2026-11", http.StatusOK, &byFn)
	sum := 0.0
	for _, g := range byFn.Groups {
		sum += g.CostUSD
	}
	if math.Abs(sum-rep.TotalUSD) > 1e-9 || math.Abs(byFn.TotalUSD-rep.TotalUSD) > 1e-9 {
		t.Errorf("functions add up to %.9f, accounts to %.9f", sum, rep.TotalUSD)
	}
	getJSON(t, in.api, "/api/v1/costs?from=2026-10-25T00:00:00Z&to=2026-11-05T00:00:00Z", http.StatusBadRequest, nil)
}

func checkDetailAndSeries(t *testing.T, in *instance, r loadgen.FunctionTruth) {
	api := in.api
	id := url.PathEscape("aws:111111111111:us-east-1:render")
	rng := "from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z"
	var d struct {
		Invocations uint64
		ColdStarts  uint64                     `json:"cold_starts"`
		BilledGBs   float64                    `json:"billed_gb_s"`
		Duration    struct{ P50, P99 float64 } `json:"duration_ms"`
	}
	getJSON(t, api, "/api/v1/functions/"+id+"?"+rng, http.StatusOK, &d)
	gbs, _ := rawGBs(t, in, "function_name = 'render'")
	if d.Invocations != r.Invocations || d.ColdStarts != r.ColdStarts || math.Abs(d.BilledGBs-gbs) > 1e-6 {
		t.Errorf("detail %+v, truth %+v, stored GB-s %.3f", d, r, gbs)
	}
	if d.Duration.P50 < 6000 || d.Duration.P50 > 12000 || d.Duration.P99 < d.Duration.P50 {
		t.Errorf("render runs ~9 s: p50 %.0f ms, p99 %.0f ms", d.Duration.P50, d.Duration.P99)
	}
	var s struct {
		Points []struct{ Invocations uint64 }
	}
	getJSON(t, api, "/api/v1/functions/"+id+"/series?step=24h&"+rng, http.StatusOK, &s)
	var n uint64
	for _, p := range s.Points {
		n += p.Invocations
	}
	if len(s.Points) != 30 || n != r.Invocations {
		t.Errorf("daily series: %d points summing to %d, want 30 summing to %d", len(s.Points), n, r.Invocations)
	}
	getJSON(t, api, "/api/v1/functions/"+url.PathEscape("aws:111111111111:us-east-1:nope")+"?"+rng, http.StatusNotFound, nil)
	getJSON(t, api, "/api/v1/functions/not-an-id?"+rng, http.StatusBadRequest, nil)
}

func checkColdStarts(t *testing.T, api string, fn map[string]loadgen.FunctionTruth) {
	var rep struct {
		Functions []struct {
			Function   string
			ColdStarts uint64 `json:"cold_starts"`
			ByHour     []struct {
				ColdStarts uint64 `json:"cold_starts"`
			} `json:"by_hour_utc"`
		}
	}
	getJSON(t, api, "/api/v1/coldstarts?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z", http.StatusOK, &rep)
	for _, f := range rep.Functions {
		var byHour uint64
		for _, h := range f.ByHour {
			byHour += h.ColdStarts
		}
		if want := fn[f.Function].ColdStarts; f.ColdStarts != want || byHour != want {
			t.Errorf("%s: %d cold starts, %d by hour; truth %d", f.Function, f.ColdStarts, byHour, want)
		}
	}
	if len(rep.Functions) == 0 {
		t.Error("no cold starts reported")
	}
}
