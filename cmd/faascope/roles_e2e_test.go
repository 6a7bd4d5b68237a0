package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// Every role by default: the scheduler answers the job routes.
func TestServeRunsTheSchedulerByDefault(t *testing.T) {
	in := startServe(t)
	if code, body := getBody(t, "http://"+in.api+"/api/v1/jobs"); code != http.StatusOK || !strings.Contains(body, `"jobs":[`) {
		t.Errorf("GET /api/v1/jobs: %d %s", code, body)
	}
}

// --roles api: no receivers, no scheduler; the job routes say where to go.
func TestServeRunsOnlyItsRoles(t *testing.T) {
	in := startServe(t, "--roles", "api")
	if code, body := getBody(t, "http://"+in.api+"/api/v1/jobs"); code != http.StatusServiceUnavailable || !strings.Contains(body, "scheduler role") {
		t.Errorf("GET /api/v1/jobs without the scheduler role: %d %s", code, body)
	}
	for _, addr := range []string{in.grpc, in.http} {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Errorf("%s is listening without the collector role", addr)
		}
	}
}
