package collector

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faascope/faascope/schemas"
)

// fixtureDir holds the shared OTLP fixtures (faas-telemetry.md §6).
const fixtureDir = "../../shared/fixtures/otlp"

func ts(ns int64) time.Time { return time.Unix(0, ns).UTC() }

type fixtureCase struct {
	records  []schemas.Invocation
	dropped  int
	rejected int
}

const (
	ordersARN      = "arn:aws:lambda:us-east-1:123456789012:function:orders-api"
	ordersInstance = "2026/11/22/[$LATEST]7f3c2a9b1e4d4c6f8a0b2d4e6f8a1c3e"
	apiGatewayURL  = "https://abc123.execute-api.us-east-1.amazonaws.com:443/orders"
	azureSite      = "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-orders/providers/Microsoft.Web/sites/func-orders-weu"
)

// ordersAPI is the identity every orders-api span of fixtures 1-3 shares.
func ordersAPI() schemas.Invocation {
	return schemas.Invocation{
		Tenant: "default", Provider: "aws", Platform: "aws_lambda", Region: "us-east-1",
		AccountID: "123456789012", FunctionName: "orders-api", FunctionID: ordersARN,
		InvokedARN: ordersARN + ":live", Version: "$LATEST", Runtime: "nodejs", MemoryMB: 512,
		InstanceID: ordersInstance, ServiceName: "orders-api", BilledMemoryMB: 512,
		BillingPlan: "aws_lambda", Type: schemas.RecordInvocation, ColdStartSource: schemas.ColdExplicit,
	}
}

// fixtureCases lists the expected result of every fixture, field by field.
// Durations are end minus start in the fixture, in ms; billed durations follow
// pricing.md (AWS 1 ms, GCP 100 ms, Azure Consumption 1 ms with 100 ms and
// 128 MB minima).
func fixtureCases() map[string]fixtureCase {
	cold := ordersAPI()
	cold.InvocationID = "c0a8012e-6f1d-4b8e-9a3b-1f2e3d4c5b6a"
	cold.TraceID, cold.SpanID = "4bf92f3577b34da6a3ce929d0e0e4736", "f8ebf68aca8e87b1"
	cold.Start, cold.DurationMs, cold.BilledDurationMs = ts(1795385435439000000), 21.02193, 22
	cold.Outcome, cold.ColdStart = schemas.OutcomeOK, true
	cold.Attrs = []schemas.Attr{{Key: "url.full", Value: apiGatewayURL}}

	warm := ordersAPI()
	warm.InvocationID = "7d9e1f20-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
	warm.TraceID, warm.SpanID = "5c1e0a7d3b2f4e6a8c9d0b1a2f3e4d5c", "d6248fc84e0d0ea5"
	warm.Start, warm.DurationMs, warm.BilledDurationMs = ts(1795385435461000000), 20.517616, 21
	warm.Outcome = schemas.OutcomeOK
	warm.Attrs = []schemas.Attr{{Key: "url.full", Value: apiGatewayURL}}

	caller := ordersAPI()
	caller.InvocationID = "e4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f6a7b8"
	caller.TraceID, caller.SpanID = "920b6aa73ad168b9a531461b0356b339", "35ef995bf430451f"
	caller.Start, caller.DurationMs, caller.BilledDurationMs = ts(1795385435482000000), 21.086676, 22
	caller.Outcome, caller.ErrorType = schemas.OutcomeError, "TooManyRequestsException"

	billingWorker := schemas.Invocation{
		Tenant: "default", Provider: "aws", Platform: "aws_lambda", Region: "us-east-1",
		AccountID: "123456789012", FunctionName: "billing-worker",
		FunctionID: "arn:aws:lambda:us-east-1:123456789012:function:billing-worker",
		TraceID:    "920b6aa73ad168b9a531461b0356b339", SpanID: "b898363d32c86f12",
		Start: ts(1795385435484000000), DurationMs: 18.533873, BillingPlan: "aws_lambda",
		Type: schemas.RecordThrottle, Outcome: schemas.OutcomeThrottled,
		ErrorType: "TooManyRequestsException", HTTPStatus: 429, ColdStartSource: schemas.ColdUnknown,
		Attrs: []schemas.Attr{{Key: "rpc.method", Value: "Invoke"}, {Key: "rpc.service", Value: "Lambda"}, {Key: "rpc.system", Value: "aws-api"}},
	}

	invoiceARN := "arn:aws:lambda:eu-west-1:123456789012:function:invoice-renderer"
	python := schemas.Invocation{
		Tenant: "default", Provider: "aws", Platform: "aws_lambda", Region: "eu-west-1",
		AccountID: "123456789012", FunctionName: "invoice-renderer", FunctionID: invoiceARN, InvokedARN: invoiceARN,
		Version: "14", Runtime: "python", InstanceID: "2026/11/22/[14]0b9e6d2c4a8f4e1d9c3b5a7f1e2d4c6b",
		InvocationID: "3f1c2b7e-5d4a-4e8b-9c1d-2a3b4c5d6e7f", TraceID: "0af7651916cd43dd8448eb211c80319c",
		SpanID: "b7ad6b7169203331", ServiceName: "invoice-renderer", Trigger: "http",
		Start: ts(1795385440556482000), DurationMs: 272.423311, BilledDurationMs: 273, BillingPlan: "aws_lambda",
		Type: schemas.RecordInvocation, Outcome: schemas.OutcomeOK, HTTPStatus: 200, ColdStartSource: schemas.ColdUnknown,
		Attrs: []schemas.Attr{
			{Key: "http.method", Value: "GET"},
			{Key: "http.route", Value: "/invoices/inv-2026-0042"},
			{Key: "http.target", Value: "/invoices/inv-2026-0042?format=pdf"},
			{Key: "http.user_agent", Value: "Mozilla/5.0 (X11; Linux x86_64)"},
			{Key: "net.host.name", Value: "q1w2e3r4t5.execute-api.eu-west-1.amazonaws.com"},
		},
	}

	initSpan := schemas.Invocation{
		Tenant: "default", Provider: "aws", Platform: "aws_lambda", Region: "us-east-1",
		FunctionName: "orders-api", Version: "$LATEST", MemoryMB: 512,
		TraceID: "e3a9c1f07b5d42e8a6f4b2d09c7e5a13", SpanID: "4f2a9c7e1b3d5f60", ServiceName: "orders-api",
		Start: ts(1795385434827000000), DurationMs: 608, InitDurationMs: 608, BillingPlan: "aws_lambda",
		Type: schemas.RecordInit, Outcome: schemas.OutcomeOK, ColdStart: true, ColdStartSource: schemas.ColdInitSpan,
	}

	azure := schemas.Invocation{
		Tenant: "default", Provider: "azure", Platform: "azure.functions", Region: "West Europe",
		AccountID: "22222222-2222-2222-2222-222222222222", FunctionName: "func-orders-weu/CreateOrder",
		FunctionID: azureSite + "/functions/CreateOrder", InvokedARN: azureSite,
		Version: "4.1036.1.23224", Runtime: "dotnet",
		TraceID: "9f3e1d5c7b2a4f6e8d0c1b3a5e7f9d2c", SpanID: "a1b2c3d4e5f60718", ServiceName: "func-orders-weu",
		Trigger: "http", Start: ts(1795385495439000000), DurationMs: 2184.3371,
		BilledDurationMs: 2185, BilledMemoryMB: 128, BillingPlan: "azure_consumption",
		Type: schemas.RecordInvocation, Outcome: schemas.OutcomeOK, HTTPStatus: 201,
		ColdStart: true, ColdStartSource: schemas.ColdExplicit,
		Attrs: []schemas.Attr{
			{Key: "http.request.method", Value: "POST"},
			{Key: "network.protocol.version", Value: "1.1"},
			{Key: "server.address", Value: "func-orders-weu.azurewebsites.net"},
			{Key: "url.path", Value: "/api/orders"},
			{Key: "url.scheme", Value: "https"},
			{Key: "user_agent.original", Value: "curl/8.5.0"},
		},
	}

	gcpFunction := schemas.Invocation{
		Tenant: "default", Provider: "gcp", Platform: "gcp_cloud_functions", Region: "europe-west1",
		AccountID: "acme-shop-prod", FunctionName: "checkout-fn", Version: "checkout-fn-00007-xiv", Runtime: "nodejs",
		InstanceID: "007f0a3c5d9b1e2f4a6c8e0b2d4f6a8c1e3b5d7f9a0c2e4b6d8f0a1c3e5b7d9f",
		TraceID:    "8d2f9c4b7a1e6d3f0b5c8a2e4f6d1b3c", SpanID: "224e7a9827479aed", ServiceName: "checkout-fn",
		Start: ts(1795385423951000000), DurationMs: 47.633407, BilledDurationMs: 100, BillingPlan: "gcp_functions_gen1",
		Type: schemas.RecordInvocation, Outcome: schemas.OutcomeOK, HTTPStatus: 200, ColdStartSource: schemas.ColdUnknown,
		Attrs: []schemas.Attr{
			{Key: "client.address", Value: "169.254.1.1"},
			{Key: "http.request.method", Value: "POST"},
			{Key: "network.peer.address", Value: "169.254.1.1"},
			{Key: "network.peer.port", Value: "47854"},
			{Key: "network.protocol.version", Value: "1.1"},
			{Key: "server.address", Value: "checkout-fn-abc123xyz-ew.a.run.app"},
			{Key: "server.port", Value: "80"},
			{Key: "url.path", Value: "/"},
			{Key: "url.scheme", Value: "http"},
			{Key: "user_agent.original", Value: "Google-Cloud-Tasks"},
		},
	}

	gcpThrottle := schemas.Invocation{
		Tenant: "default", Provider: "gcp", Platform: "gcp_cloud_run", Region: "europe-west1",
		AccountID: "acme-shop-prod", FunctionName: "checkout-fn",
		TraceID: "b519766262a7b4c508b495be71782e36", SpanID: "315964a3b5160a9a",
		Start: ts(1795385424160000000), DurationMs: 13.776252, BillingPlan: "gcp_cloud_run",
		Type: schemas.RecordThrottle, Outcome: schemas.OutcomeThrottled, HTTPStatus: 429,
		ColdStartSource: schemas.ColdUnknown,
		Attrs: []schemas.Attr{
			{Key: "http.request.method", Value: "POST"},
			{Key: "network.peer.address", Value: "216.239.36.53"},
			{Key: "network.peer.port", Value: "443"},
			{Key: "network.protocol.version", Value: "1.1"},
			{Key: "server.address", Value: "checkout-fn-abc123xyz-ew.a.run.app"},
			{Key: "server.port", Value: "443"},
			{Key: "url.full", Value: "https://checkout-fn-abc123xyz-ew.a.run.app/"},
		},
	}

	return map[string]fixtureCase{
		"aws-lambda-nodejs-coldstart.json":               {records: []schemas.Invocation{cold}},
		"aws-lambda-nodejs-warm.json":                    {records: []schemas.Invocation{warm}},
		"aws-lambda-nodejs-throttled-invoke.json":        {records: []schemas.Invocation{billingWorker, caller}},
		"aws-lambda-python-apigw-v2.json":                {records: []schemas.Invocation{python}},
		"aws-lambda-telemetryapi-init-span.json":         {records: []schemas.Invocation{initSpan}},
		"azure-functions-dotnet-isolated-coldstart.json": {records: []schemas.Invocation{azure}, dropped: 1},
		"gcp-cloud-run-function-nodejs.json":             {records: []schemas.Invocation{gcpFunction}},
		"gcp-cloud-run-caller-429.json":                  {records: []schemas.Invocation{gcpThrottle}},
	}
}

func fixtureFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("cannot list fixtures in %s: %v (found %d)", fixtureDir, err, len(files))
	}
	return files
}

func loadFixture(t testing.TB, path string) ptrace.Traces {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cannot read fixture: %v", err)
	}
	var u ptrace.JSONUnmarshaler
	td, err := u.UnmarshalTraces(raw)
	if err != nil {
		t.Fatalf("cannot parse fixture %s: %v", path, err)
	}
	return td
}

// TestFixturesAllCovered fails when a fixture is added without expectations,
// or an expectation names a fixture that is gone.
func TestFixturesAllCovered(t *testing.T) {
	cases := fixtureCases()
	seen := map[string]bool{}
	for _, f := range fixtureFiles(t) {
		name := filepath.Base(f)
		seen[name] = true
		if _, ok := cases[name]; !ok {
			t.Errorf("fixture %s has no expected case in fixtureCases", name)
		}
	}
	for name := range cases {
		if !seen[name] {
			t.Errorf("expected case %s has no fixture file", name)
		}
	}
}

func TestNormalizeFixtures(t *testing.T) {
	cases := fixtureCases()
	n := NewNormalizer(NormalizerOptions{})
	for _, f := range fixtureFiles(t) {
		name := filepath.Base(f)
		want, ok := cases[name]
		if !ok {
			continue // reported by TestFixturesAllCovered
		}
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			td := loadFixture(t, f)
			got := n.Normalize(td)
			if got.Dropped != want.dropped || got.Rejected != want.rejected {
				t.Errorf("dropped=%d rejected=%d (%v), want dropped=%d rejected=%d",
					got.Dropped, got.Rejected, got.RejectReasons, want.dropped, want.rejected)
			}
			if len(got.Records)+got.Dropped+got.Rejected != td.SpanCount() {
				t.Errorf("records+dropped+rejected = %d, want span count %d",
					len(got.Records)+got.Dropped+got.Rejected, td.SpanCount())
			}
			compareRecords(t, got.Records, want.records)
		})
	}
}

// compareRecords reports every differing field by name.
func compareRecords(t *testing.T, got, want []schemas.Invocation) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d records, want %d:\n got: %+v\nwant: %+v", len(got), len(want), got, want)
		return
	}
	for i := range want {
		g, w := reflect.ValueOf(got[i]), reflect.ValueOf(want[i])
		for f := 0; f < g.NumField(); f++ {
			if !reflect.DeepEqual(g.Field(f).Interface(), w.Field(f).Interface()) {
				t.Errorf("record %d %s = %#v, want %#v", i, g.Type().Field(f).Name, g.Field(f).Interface(), w.Field(f).Interface())
			}
		}
	}
}
