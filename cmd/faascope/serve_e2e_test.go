package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/faascope/faascope/internal/chclient"
	"github.com/faascope/faascope/internal/chtest"
)

func TestMain(m *testing.M) {
	runChildIfAsked()
	os.Exit(chtest.Main(m))
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// instance is one running "faascope serve" on a fresh test database.
type instance struct {
	grpc, http, api string
	db              *chclient.Client
}

// startServe runs serve with the common flags plus extra.
func startServe(t *testing.T, extra ...string) *instance {
	t.Helper()
	in := &instance{grpc: freeAddr(t), http: freeAddr(t), api: freeAddr(t), db: chtest.NewDatabase(t)}
	ctx, cancel := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, append([]string{"serve",
			"--clickhouse-addr", chtest.Addr(), "--clickhouse-database", in.db.Database,
			"--otlp-grpc-addr", in.grpc, "--otlp-http-addr", in.http, "--api-addr", in.api,
			"--data-dir", t.TempDir(), "--log-level", "warn",
		}, extra...), []string{"FAASCOPE_COLLECTOR_WRITER_FLUSH_INTERVAL=50ms"}, io.Discard, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-exited; code != 0 {
			t.Errorf("serve exited with %d: %s", code, stderr.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + in.api + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return in
			}
		}
		select {
		case code := <-exited:
			t.Fatalf("serve exited with %d before it was ready: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready after 30s: %s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var base = time.Now().Add(-time.Hour).Truncate(time.Second)

// lambdaResource is what the OTel Lambda layer's resource detector sends.
func lambdaResource(function, instanceID string) *resource.Resource {
	return resource.NewSchemaless(
		attribute.String("service.name", function),
		attribute.String("cloud.provider", "aws"),
		attribute.String("cloud.platform", "aws_lambda"),
		attribute.String("cloud.region", "eu-west-1"),
		attribute.String("faas.name", function),
		attribute.String("faas.version", "7"),
		attribute.Int64("faas.max_memory", 256*1024*1024),
		attribute.String("faas.instance", instanceID),
	)
}

// invocationSpec is one SERVER span to emit.
type invocationSpec struct {
	offset   time.Duration // after base
	duration time.Duration
	cold     *bool // nil: no faas.coldstart attribute
	failed   bool
}

func boolPtr(b bool) *bool { return &b }

// emit sends the invocations, one throttled Invoke of callee, and one
// non-FaaS internal span through exp, then shuts the provider down, which
// waits for the exporter's answer.
func emit(t *testing.T, exp sdktrace.SpanExporter, res *resource.Resource, function, callee string, specs []invocationSpec) {
	t.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSyncer(exp))
	tr := tp.Tracer("e2e")
	arn := "arn:aws:lambda:eu-west-1:210987654321:function:" + function
	for i, s := range specs {
		attrs := []attribute.KeyValue{
			attribute.String("faas.invocation_id", fmt.Sprintf("%s-%d", function, i)),
			attribute.String("cloud.resource_id", arn+":prod"),
			attribute.String("cloud.account.id", "210987654321"),
		}
		if s.cold != nil {
			attrs = append(attrs, attribute.Bool("faas.coldstart", *s.cold))
		}
		start := base.Add(s.offset)
		_, span := tr.Start(context.Background(), function, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithTimestamp(start), trace.WithAttributes(attrs...))
		if s.failed {
			span.SetStatus(codes.Error, "boom")
		}
		span.End(trace.WithTimestamp(start.Add(s.duration)))
	}
	_, throttled := tr.Start(context.Background(), callee+" Invoke", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithTimestamp(base.Add(time.Minute)), trace.WithAttributes(
			attribute.String("rpc.system", "aws-api"), attribute.String("rpc.service", "Lambda"),
			attribute.String("rpc.method", "Invoke"), attribute.String("faas.invoked_name", callee),
			attribute.String("faas.invoked_provider", "aws"), attribute.String("cloud.region", "eu-west-1"),
			attribute.Int("http.response.status_code", 429)))
	throttled.SetStatus(codes.Error, "Rate Exceeded.")
	throttled.End(trace.WithTimestamp(base.Add(time.Minute + 15*time.Millisecond)))
	_, internal := tr.Start(context.Background(), "render template", trace.WithTimestamp(base))
	internal.End(trace.WithTimestamp(base.Add(time.Millisecond)))
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatalf("export failed: %v", err)
	}
}

// stored is what ClickHouse holds for one function.
type stored struct {
	Invocations, Errors, Cold, Throttles, BilledMs uint64
	MemoryMB                                       uint32
}

func readStored(t *testing.T, db *chclient.Client, function string) stored {
	t.Helper()
	var s stored
	err := db.Conn.QueryRow(context.Background(), `
		SELECT countIf(record_type = 'invocation'), countIf(outcome = 'error'), countIf(cold_start = 1),
		       countIf(record_type = 'throttle'), sum(toUInt64(billed_duration_ms)), max(memory_mb)
		FROM invocations WHERE function_name = ?`, function).
		Scan(&s.Invocations, &s.Errors, &s.Cold, &s.Throttles, &s.BilledMs, &s.MemoryMB)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// apiFunction is one entry of GET /api/v1/functions.
type apiFunction struct {
	Provider, Platform, Region string
	AccountID                  string `json:"account_id"`
	Function                   string
	Invocations, Errors        uint64
	Timeouts, Throttles        uint64
	ColdStarts                 uint64 `json:"cold_starts"`
}

func listFunctions(t *testing.T, api, query string) map[string]apiFunction {
	t.Helper()
	resp, err := http.Get("http://" + api + "/api/v1/functions" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/functions%s: %d %s", query, resp.StatusCode, body)
	}
	var out struct{ Functions []apiFunction }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("cannot decode %s: %v", body, err)
	}
	byName := map[string]apiFunction{}
	for _, f := range out.Functions {
		byName[f.Function] = f
	}
	return byName
}

func TestServeIngestsFromRealExporters(t *testing.T) {
	in := startServe(t)
	ctx := context.Background()

	// gRPC with gzip: explicit cold-start flags, as the Node Lambda instrumentation sends.
	grpcExp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(in.grpc), otlptracegrpc.WithInsecure(),
		otlptracegrpc.WithCompressor("gzip"))
	if err != nil {
		t.Fatal(err)
	}
	emit(t, grpcExp, lambdaResource("orders-grpc", "2026/11/22/[7]aaaa"), "orders-grpc", "billing-grpc", []invocationSpec{
		{offset: 0, duration: 120400 * time.Microsecond, cold: boolPtr(true)},
		{offset: 2 * time.Second, duration: 30 * time.Millisecond, cold: boolPtr(false)},
		{offset: 3 * time.Second, duration: 10*time.Millisecond + 1, cold: boolPtr(false), failed: true},
	})

	// HTTP/protobuf: no flags (Python, Java); the cold start is inferred from
	// the first invocation of each instance, whatever the arrival order.
	httpExp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(in.http), otlptracehttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	emit(t, httpExp, lambdaResource("orders-http", "2026/11/22/[7]bbbb"), "orders-http", "billing-http", []invocationSpec{
		{offset: 5 * time.Second, duration: 5 * time.Millisecond},
		{offset: 0, duration: 250 * time.Millisecond},
	})

	// HTTP/JSON, posted raw as a non-SDK sender would.
	postJSON(t, in.http, jsonExport("orders-json", base.Add(10*time.Second)))

	waitShipped(t, in.api)
	cases := []struct {
		function string
		want     stored
	}{
		// billed ms: ceil(120.4)+30+ceil(10.000001) on 1 ms AWS rounding.
		{"orders-grpc", stored{Invocations: 3, Errors: 1, Cold: 1, BilledMs: 121 + 30 + 11, MemoryMB: 256}},
		{"orders-http", stored{Invocations: 2, BilledMs: 5 + 250, MemoryMB: 256}},
		{"orders-json", stored{Invocations: 1, Cold: 1, BilledMs: 43, MemoryMB: 1024}},
		{"billing-grpc", stored{Throttles: 1}},
		{"billing-http", stored{Throttles: 1}},
	}
	for _, c := range cases {
		if got := readStored(t, in.db, c.function); got != c.want {
			t.Errorf("ClickHouse rows of %s = %+v, want %+v", c.function, got, c.want)
		}
	}

	fns := listFunctions(t, in.api, "")
	want := map[string]apiFunction{
		"orders-grpc":  {Invocations: 3, Errors: 1, ColdStarts: 1},
		"orders-http":  {Invocations: 2, ColdStarts: 1}, // inferred
		"orders-json":  {Invocations: 1, ColdStarts: 1},
		"billing-grpc": {Throttles: 1},
		"billing-http": {Throttles: 1},
	}
	if len(fns) != len(want) {
		t.Errorf("API lists %d functions, want %d: %+v", len(fns), len(want), fns)
	}
	for name, w := range want {
		got := fns[name]
		if got.Invocations != w.Invocations || got.Errors != w.Errors || got.ColdStarts != w.ColdStarts || got.Throttles != w.Throttles {
			t.Errorf("API %s = %+v, want counts %+v", name, got, w)
		}
		// The throttled callees never ran, and their callers exported each
		// span alone (WithSyncer) with the account on the invocation spans
		// only, so nothing names the callees' account.
		account := "210987654321"
		if strings.HasPrefix(name, "billing-") {
			account = ""
		}
		if got.Provider != "aws" || got.Platform != "aws_lambda" || got.Region != "eu-west-1" || got.AccountID != account {
			t.Errorf("API %s identity = %+v", name, got)
		}
	}

	// A range that excludes everything lists nothing.
	if got := listFunctions(t, in.api, "?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z"); len(got) != 0 {
		t.Errorf("old range lists %+v", got)
	}
}

func postJSON(t *testing.T, addr, body string) {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/v1/traces", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("JSON export: %d %s", resp.StatusCode, got)
	}
}

// jsonExport is one cold invocation in OTLP/JSON with memory as a string in
// MB (as the Telemetry API receiver and Azure's detector send it).
func jsonExport(function string, start time.Time) string {
	return fmt.Sprintf(`{"resourceSpans":[{"resource":{"attributes":[
		{"key":"cloud.provider","value":{"stringValue":"aws"}},
		{"key":"cloud.region","value":{"stringValue":"eu-west-1"}},
		{"key":"faas.name","value":{"stringValue":%q}},
		{"key":"faas.max_memory","value":{"stringValue":"1024"}}]},
	"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
		"name":"handler","kind":2,"startTimeUnixNano":"%d","endTimeUnixNano":"%d",
		"attributes":[{"key":"faas.coldstart","value":{"boolValue":true}},
		{"key":"cloud.account.id","value":{"stringValue":"210987654321"}},
		{"key":"cloud.resource_id","value":{"stringValue":"arn:aws:lambda:eu-west-1:210987654321:function:%s"}}]}]}]}]}`,
		function, start.UnixNano(), start.Add(42500*time.Microsecond).UnixNano(), function)
}

// waitShipped waits until the durable queue is empty, i.e. every export
// acknowledged so far has reached ClickHouse. The deadline only stops a
// hang: a loaded CI machine ships two loadgen months in well over a minute.
func waitShipped(t *testing.T, api string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		resp, err := http.Get("http://" + api + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "\nfaascope_queue_depth_records 0\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the queue did not drain within 5 minutes")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
