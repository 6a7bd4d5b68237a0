package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/keepwarm"
)

// keepWarmWorkload is two weeks of an office-hours API (cold every morning
// and after every lull) and a busy function that is always warm.
const keepWarmWorkload = `
functions:
  - {name: office-api, plan: aws_lambda, shape: nodejs, region: us-east-1, account: "111111111111",
     memory_mb: 512, duration: {median_ms: 80, sigma: 0.3}, arrival: {pattern: office_hours, per_hour: 5}}
  - {name: busy-api, plan: aws_lambda, shape: nodejs, region: us-east-1, account: "111111111111",
     memory_mb: 512, duration: {median_ms: 40, sigma: 0.3}, arrival: {pattern: poisson, per_hour: 600}}
`

// TestKeepWarmJobThroughTheScheduler runs the keepwarm job on demand on a
// loadgen fortnight, through the scheduler and real ClickHouse, and reads
// its recommendations back through the API, the recommend command and /metrics.
func TestKeepWarmJobThroughTheScheduler(t *testing.T) {
	in := startServe(t)
	dir := t.TempDir()
	workload := filepath.Join(dir, "w.yaml")
	if err := os.WriteFile(workload, []byte(keepWarmWorkload), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"loadgen", "--endpoint", in.grpc, "--workload", workload,
		"--backfill", "336h", "--seed", "7"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("loadgen exited %d: %s %s", code, out.String(), errOut.String())
	}
	waitShipped(t, in.api)
	runJob(t, in.api, "keepwarm")

	var recs struct {
		Recommendations []analyzer.FunctionRecommendation `json:"recommendations"`
	}
	getJSON(t, in.api, "/api/v1/recommendations", http.StatusOK, &recs)
	got := map[string]keepwarm.Recommendation{}
	for _, r := range recs.Recommendations {
		got[r.FunctionName] = r.Recommendation
	}
	if a := got["office-api"]; a.Action != keepwarm.ActionPing || len(a.Schedules) == 0 || a.ColdStartsAvoidedPerMonth <= 0 {
		t.Errorf("office-api: %+v, want an office-hours ping", a)
	}
	if b, ok := got["busy-api"]; !ok || b.Action != keepwarm.ActionNone {
		t.Errorf("busy-api: %+v, want none", b)
	}
	checkRecommendCommand(t, in.api)
	if v := metricValue(t, in.api, `faascope_keepwarm_avoidable_cold_starts{account="111111111111",action="ping",function="office-api",provider="aws",region="us-east-1",tenant="default"}`); v <= 0 {
		t.Errorf("avoidable cold starts gauge %v", v)
	}
}

// runJob starts a job by hand and waits until its run is recorded as ok.
func runJob(t *testing.T, api, name string) {
	t.Helper()
	resp, err := http.Post("http://"+api+"/api/v1/jobs/"+name+"/run", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST run %s: %d", name, resp.StatusCode)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var jobs struct {
			Jobs []struct {
				Name    string
				Running bool
				LastRun *struct{ Status, Error, Summary string } `json:"last_run"`
			}
		}
		getJSON(t, api, "/api/v1/jobs", http.StatusOK, &jobs)
		for _, j := range jobs.Jobs {
			if j.Name == name && !j.Running && j.LastRun != nil {
				if j.LastRun.Status != "ok" {
					t.Fatalf("job %s: %+v", name, *j.LastRun)
				}
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("job %s did not finish in 2 minutes", name)
}

func checkRecommendCommand(t *testing.T, api string) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"recommend", "--api", "http://" + api, "--format", "json"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("recommend exited %d: %s", code, errOut.String())
	}
	var parsed struct {
		Recommendations []analyzer.FunctionRecommendation
	}
	if err := json.Unmarshal(out.Bytes(), &parsed); err != nil || len(parsed.Recommendations) != 2 {
		t.Errorf("recommend --format json: %v %s", err, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"recommend", "--api", "http://" + api, "--function", "office-*", "--replay", "-v"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("recommend --replay exited %d: %s", code, errOut.String())
	}
	for _, want := range []string{"aws:111111111111:us-east-1:office-api", "cron(", "replay of", "pinger_5m_24x7", "recommender"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("recommend --replay output lacks %q:\n%s", want, out.String())
		}
	}
	if code := run(context.Background(), []string{"recommend", "--api", "http://" + api, "--action", "warm"}, nil, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "is not one of") {
		t.Errorf("bad action: exit %d, %s", code, errOut.String())
	}
}
