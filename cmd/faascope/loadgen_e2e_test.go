package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/cmd/faascope/loadgen"
)

// TestLoadgenBackfillMatchesTheAPI backfills the demo workload into a running
// faascope over each protocol and checks that the function list reports
// exactly the truth loadgen wrote.
func TestLoadgenBackfillMatchesTheAPI(t *testing.T) {
	for _, proto := range []struct{ name, flag string }{
		{"grpc", "grpc"}, {"http-protobuf", "http/protobuf"}, {"http-json", "http/json"},
	} {
		t.Run(proto.name, func(t *testing.T) {
			in := startServe(t)
			endpoint := in.grpc
			if proto.flag != "grpc" {
				endpoint = "http://" + in.http
			}
			truthFile := filepath.Join(t.TempDir(), "truth.json")
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"loadgen",
				"--endpoint", endpoint, "--protocol", proto.flag, "--gzip",
				"--backfill", "18h", "--end", "2026-11-20T12:00:00Z", "--seed", "3",
				"--truth", truthFile, "--batch", "300",
			}, nil, &stdout, &stderr)
			if code != 0 {
				t.Fatalf("loadgen exited %d: %s %s", code, stdout.String(), stderr.String())
			}
			truth := readTruth(t, truthFile)
			if !strings.Contains(stdout.String(), "invocations") || truth.Total().Invocations < 10_000 {
				t.Fatalf("loadgen summary %q, truth %+v", stdout.String(), truth.Total())
			}
			assertAPIMatchesTruth(t, in.api, truth)
		})
	}
}

func readTruth(t *testing.T, path string) *loadgen.Truth {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var truth loadgen.Truth
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatalf("truth file: %v", err)
	}
	return &truth
}

func assertAPIMatchesTruth(t *testing.T, api string, truth *loadgen.Truth) {
	t.Helper()
	waitShipped(t, api)
	q := "?from=" + truth.From.Format(time.RFC3339) + "&to=" + truth.To.Format(time.RFC3339)
	fns := listFunctions(t, api, q)
	if len(fns) != len(truth.Functions) {
		t.Errorf("API lists %d functions, truth has %d: %+v", len(fns), len(truth.Functions), fns)
	}
	for _, ft := range truth.Functions {
		got := fns[ft.Function]
		want := apiFunction{
			Provider: ft.Provider, Platform: ft.Platform, Region: ft.Region, AccountID: ft.AccountID, Function: ft.Function,
			Invocations: ft.Invocations, Errors: ft.Errors, Timeouts: ft.Timeouts, Throttles: ft.Throttles, ColdStarts: ft.ColdStarts,
		}
		if got != want {
			t.Errorf("API %s\n got  %+v\n want %+v", ft.Function, got, want)
		}
	}
}
