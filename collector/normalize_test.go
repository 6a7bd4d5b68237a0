package collector

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faascope/faascope/schemas"
)

// testStart is a fixed span start (2026-11-22, after the AWS INIT billing change).
var testStart = time.Date(2026, time.November, 22, 10, 0, 0, 0, time.UTC)

// spanSpec describes one test span; zero fields get usable defaults.
type spanSpec struct {
	scope   string
	kind    ptrace.SpanKind
	name    string
	attrs   map[string]any
	status  ptrace.StatusCode
	msg     string
	events  []map[string]any // "exception" events with these attributes
	traceID pcommon.TraceID
	spanID  pcommon.SpanID
	parent  pcommon.SpanID
	start   uint64 // ns; default testStart
	end     uint64 // ns; default start + durMs
	durMs   float64
	noIDs   bool // keep trace and span id empty
	rawTime bool // use start and end as given, zeros included
}

type resSpec struct {
	attrs map[string]any
	spans []spanSpec
}

func build(t testing.TB, resources ...resSpec) ptrace.Traces {
	t.Helper()
	td := ptrace.NewTraces()
	seq := byte(0)
	for _, r := range resources {
		rs := td.ResourceSpans().AppendEmpty()
		if err := rs.Resource().Attributes().FromRaw(r.attrs); err != nil {
			t.Fatal(err)
		}
		for _, s := range r.spans {
			ss := rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName(s.scope)
			sp := ss.Spans().AppendEmpty()
			seq++
			if !s.noIDs {
				if s.traceID.IsEmpty() {
					s.traceID = pcommon.TraceID{0xab, 0xcd, 15: seq}
				}
				if s.spanID.IsEmpty() {
					s.spanID = pcommon.SpanID{0x12, 7: seq}
				}
			}
			sp.SetTraceID(s.traceID)
			sp.SetSpanID(s.spanID)
			sp.SetParentSpanID(s.parent)
			sp.SetName(s.name)
			sp.SetKind(s.kind)
			if s.start == 0 && !s.rawTime {
				s.start = uint64(testStart.UnixNano())
			}
			if s.end == 0 && !s.rawTime {
				if s.durMs == 0 {
					s.durMs = 10
				}
				s.end = s.start + uint64(s.durMs*1e6)
			}
			sp.SetStartTimestamp(pcommon.Timestamp(s.start))
			sp.SetEndTimestamp(pcommon.Timestamp(s.end))
			sp.Status().SetCode(s.status)
			sp.Status().SetMessage(s.msg)
			if err := sp.Attributes().FromRaw(s.attrs); err != nil {
				t.Fatal(err)
			}
			for _, ev := range s.events {
				e := sp.Events().AppendEmpty()
				e.SetName("exception")
				if err := e.Attributes().FromRaw(ev); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return td
}

// fields lists the record fields a case checks, by schemas.Invocation field name.
type fields map[string]any

func checkFields(t *testing.T, i int, rec schemas.Invocation, want fields) {
	t.Helper()
	v := reflect.ValueOf(rec)
	for name, w := range want {
		f := v.FieldByName(name)
		if !f.IsValid() {
			t.Fatalf("no field %s in schemas.Invocation", name)
		}
		wv := reflect.ValueOf(w)
		if w == nil {
			wv = reflect.Zero(f.Type())
		} else if wv.Type() != f.Type() && wv.Type().ConvertibleTo(f.Type()) {
			wv = wv.Convert(f.Type())
		}
		if !reflect.DeepEqual(f.Interface(), wv.Interface()) {
			t.Errorf("record %d: %s = %#v, want %#v", i, name, f.Interface(), wv.Interface())
		}
	}
}

// Attribute sets shared by the cases.
var (
	awsRes = map[string]any{
		"cloud.provider": "aws", "cloud.platform": "aws_lambda", "cloud.region": "us-east-1",
		"faas.name": "orders-api", "service.name": "orders-api",
	}
	awsAttrs = map[string]any{
		"faas.invocation_id": "req-1", "cloud.account.id": "123456789012",
		"cloud.resource_id": "arn:aws:lambda:us-east-1:123456789012:function:orders-api",
	}
	callerRes = map[string]any{
		"cloud.provider": "aws", "cloud.platform": "aws_lambda", "cloud.region": "us-east-1",
		"cloud.account.id": "123456789012", "faas.name": "orders-api",
	}
	gcpCallerRes = map[string]any{
		"cloud.provider": "gcp", "cloud.platform": "gcp_cloud_run", "cloud.region": "europe-west1",
		"cloud.account.id": "acme-shop-prod", "faas.name": "storefront",
	}
)

func merge(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func server(attrs map[string]any) spanSpec {
	return spanSpec{kind: ptrace.SpanKindServer, name: "handler", attrs: attrs}
}

func client(attrs map[string]any) spanSpec {
	return spanSpec{kind: ptrace.SpanKindClient, name: "call", attrs: attrs, status: ptrace.StatusCodeError}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name     string
		opts     NormalizerOptions
		in       []resSpec
		want     []fields
		dropped  int
		rejected int
	}{
		// Identity: old and new attribute names (telemetry §1.2, §2.8).
		{
			name: "new names",
			in:   []resSpec{{attrs: awsRes, spans: []spanSpec{server(awsAttrs)}}},
			want: []fields{{
				"InvocationID": "req-1", "FunctionID": "arn:aws:lambda:us-east-1:123456789012:function:orders-api",
				"InvokedARN": "arn:aws:lambda:us-east-1:123456789012:function:orders-api", "AccountID": "123456789012",
				"Provider": "aws", "Platform": "aws_lambda", "Region": "us-east-1", "FunctionName": "orders-api",
				"Type": schemas.RecordInvocation, "Outcome": schemas.OutcomeOK, "Tenant": "default",
			}},
		},
		{
			name: "old names faas.execution and faas.id, alias stripped, account from ARN",
			in: []resSpec{{attrs: awsRes, spans: []spanSpec{server(map[string]any{
				"faas.execution": "req-old", "faas.id": "arn:aws:lambda:us-east-1:210987654321:function:orders-api:live",
			})}}},
			want: []fields{{
				"InvocationID": "req-old", "FunctionID": "arn:aws:lambda:us-east-1:210987654321:function:orders-api",
				"InvokedARN": "arn:aws:lambda:us-east-1:210987654321:function:orders-api:live", "AccountID": "210987654321",
			}},
		},
		{
			name: "version qualifier stripped too",
			in: []resSpec{{attrs: awsRes, spans: []spanSpec{server(map[string]any{
				"cloud.resource_id": "arn:aws:lambda:us-east-1:123456789012:function:orders-api:26",
			})}}},
			want: []fields{{"FunctionID": "arn:aws:lambda:us-east-1:123456789012:function:orders-api", "InvokedARN": "arn:aws:lambda:us-east-1:123456789012:function:orders-api:26"}},
		},
		{
			name: "aws.lambda.invoked_arn is the invoked ARN",
			in: []resSpec{{attrs: awsRes, spans: []spanSpec{server(map[string]any{
				"cloud.resource_id":      "arn:aws:lambda:us-east-1:123456789012:function:orders-api:26",
				"aws.lambda.invoked_arn": "arn:aws:lambda:us-east-1:123456789012:function:orders-api:live",
			})}}},
			want: []fields{{"FunctionID": "arn:aws:lambda:us-east-1:123456789012:function:orders-api", "InvokedARN": "arn:aws:lambda:us-east-1:123456789012:function:orders-api:live"}},
		},
		{
			name: "new name wins over old name on the same span",
			in: []resSpec{{attrs: awsRes, spans: []spanSpec{server(map[string]any{
				"faas.invocation_id": "new", "faas.execution": "old",
			})}}},
			want: []fields{{"InvocationID": "new"}},
		},
		{
			name: "span attribute wins over resource attribute",
			in: []resSpec{{
				attrs: merge(awsRes, map[string]any{"faas.invocation_id": "from-resource", "cloud.account.id": "111111111111"}),
				spans: []spanSpec{server(map[string]any{"faas.invocation_id": "from-span", "cloud.region": "eu-west-1"})},
			}},
			want: []fields{{"InvocationID": "from-span", "Region": "eu-west-1", "AccountID": "111111111111"}},
		},
		{
			name: "resource attributes on the span (semconv allows both places)",
			in: []resSpec{{spans: []spanSpec{server(map[string]any{
				"cloud.platform": "aws_lambda", "faas.name": "orders-api", "cloud.region": "ap-south-1",
				"faas.max_memory": 256, "faas.version": "7", "faas.instance": "i-1", "service.name": "svc",
			})}}},
			want: []fields{{"Provider": "aws", "Platform": "aws_lambda", "FunctionName": "orders-api", "Region": "ap-south-1",
				"MemoryMB": 256, "Version": "7", "InstanceID": "i-1", "ServiceName": "svc"}},
		},

		// Function name: never the span name (telemetry §2.8.7).
		{
			name: "name from ARN, not the span name or the SDK default service name",
			in: []resSpec{{attrs: map[string]any{"cloud.provider": "aws", "service.name": "unknown_service:java"}, spans: []spanSpec{{
				kind: ptrace.SpanKindServer, name: "POST /orders",
				attrs: map[string]any{"faas.invocation_id": "r", "cloud.resource_id": "arn:aws:lambda:us-east-1:123456789012:function:order-writer:live"},
			}}}},
			want: []fields{{"FunctionName": "order-writer", "Platform": "aws_lambda", "ServiceName": "unknown_service:java"}},
		},
		{
			name: "name from service.name before the ARN",
			in: []resSpec{{attrs: map[string]any{"cloud.provider": "aws", "service.name": "orders"}, spans: []spanSpec{{
				kind: ptrace.SpanKindServer, name: "POST /orders",
				attrs: map[string]any{"faas.invocation_id": "r", "cloud.resource_id": "arn:aws:lambda:us-east-1:123456789012:function:order-writer"},
			}}}},
			want: []fields{{"FunctionName": "orders"}},
		},
		{
			name: "no name anywhere stays empty",
			in: []resSpec{{attrs: map[string]any{"cloud.platform": "aws_lambda"}, spans: []spanSpec{{
				kind: ptrace.SpanKindServer, name: "POST /orders", attrs: map[string]any{"faas.invocation_id": "r"},
			}}}},
			want: []fields{{"FunctionName": "", "Provider": "aws"}},
		},
		{
			name: "GCP resource name gives name, account and region",
			in: []resSpec{{attrs: map[string]any{"cloud.platform": "gcp_cloud_run"}, spans: []spanSpec{server(map[string]any{
				"cloud.resource_id": "//run.googleapis.com/projects/acme/locations/us-central1/services/pay",
			})}}},
			want: []fields{{"FunctionName": "pay", "AccountID": "acme", "Region": "us-central1", "Provider": "gcp",
				"FunctionID": "//run.googleapis.com/projects/acme/locations/us-central1/services/pay", "BillingPlan": "gcp_cloud_run"}},
		},

		// Azure (telemetry §2.6).
		{
			name: "azure name prefixed with the site from the resource id",
			in: []resSpec{{
				attrs: map[string]any{"cloud.platform": "azure_functions", "cloud.resource.id": azureSite, "service.name": "other"},
				spans: []spanSpec{server(map[string]any{"faas.name": "CreateOrder", "faas.trigger": "http"})},
			}},
			want: []fields{{"FunctionName": "func-orders-weu/CreateOrder", "Platform": "azure.functions", "Provider": "azure",
				"AccountID": "22222222-2222-2222-2222-222222222222", "FunctionID": azureSite + "/functions/CreateOrder",
				"InvokedARN": azureSite, "BillingPlan": "azure_consumption", "BilledMemoryMB": 128, "BilledDurationMs": 100}},
		},
		{
			name: "azure name prefixed with service.name without resource id",
			in: []resSpec{{
				attrs: map[string]any{"cloud.platform": "azure.functions", "service.name": "func-app"},
				spans: []spanSpec{server(map[string]any{"faas.name": "Resize"})},
			}},
			want: []fields{{"FunctionName": "func-app/Resize", "FunctionID": ""}},
		},
		{
			name: "azure name already in APP/FUNC form kept",
			in: []resSpec{{
				attrs: map[string]any{"cloud.platform": "azure.functions", "cloud.resource_id": azureSite},
				spans: []spanSpec{server(map[string]any{"faas.name": "func-orders-weu/CreateOrder"})},
			}},
			want: []fields{{"FunctionName": "func-orders-weu/CreateOrder", "FunctionID": azureSite + "/functions/CreateOrder"}},
		},
		{
			name: "azure function-level resource id kept",
			in: []resSpec{{
				attrs: map[string]any{"cloud.platform": "azure.functions"},
				spans: []spanSpec{server(map[string]any{"faas.name": "CreateOrder", "cloud.resource_id": azureSite + "/functions/CreateOrder"})},
			}},
			want: []fields{{"FunctionName": "func-orders-weu/CreateOrder", "FunctionID": azureSite + "/functions/CreateOrder"}},
		},
		{
			name: "azure host server span without faas.name is not an invocation",
			in: []resSpec{{
				attrs: map[string]any{"cloud.platform": "azure_functions", "cloud.resource.id": azureSite},
				spans: []spanSpec{server(map[string]any{"url.path": "/admin/host/status", "http.response.status_code": 429})},
			}},
			dropped: 1,
		},
		{
			name: "azure isolated worker span dropped, host span kept",
			in: []resSpec{
				{attrs: map[string]any{"cloud.platform": "azure_functions"}, spans: []spanSpec{server(map[string]any{"faas.name": "F", "faas.coldstart": true})}},
				{attrs: map[string]any{"service.name": "app"}, spans: []spanSpec{{scope: azureWorkerScope, kind: ptrace.SpanKindServer, name: "Invoke", attrs: map[string]any{"faas.execution": "x"}}}},
			},
			want:    []fields{{"FunctionName": "F", "ColdStart": true}},
			dropped: 1,
		},

		// Platform and provider inference (telemetry §2.8.4).
		{
			name: "aws provider without platform",
			in:   []resSpec{{attrs: map[string]any{"cloud.provider": "aws", "faas.name": "f"}, spans: []spanSpec{server(nil)}}},
			want: []fields{{"Platform": "aws_lambda", "Provider": "aws", "BillingPlan": "aws_lambda"}},
		},
		{
			name: "ARN alone gives aws_lambda and aws",
			in: []resSpec{{spans: []spanSpec{server(map[string]any{
				"faas.invocation_id": "r", "cloud.resource_id": "arn:aws:lambda:sa-east-1:123456789012:function:f",
			})}}},
			want: []fields{{"Platform": "aws_lambda", "Provider": "aws", "Region": "sa-east-1", "FunctionName": "f", "AccountID": "123456789012"}},
		},
		{
			name: "gcp with faas.name is cloud functions",
			in:   []resSpec{{attrs: map[string]any{"cloud.provider": "gcp", "faas.name": "f"}, spans: []spanSpec{server(nil)}}},
			want: []fields{{"Platform": "gcp_cloud_functions", "BillingPlan": "gcp_functions_gen1", "BilledDurationMs": 100}},
		},
		{
			name: "azure provider without platform",
			in:   []resSpec{{attrs: map[string]any{"cloud.provider": "azure"}, spans: []spanSpec{server(map[string]any{"faas.name": "F", "faas.trigger": "timerTrigger"})}}},
			want: []fields{{"Platform": "azure.functions", "Trigger": "timerTrigger"}},
		},
		{
			name: "telemetry API resource: invoked provider and region",
			in: []resSpec{{attrs: map[string]any{"faas.invoked_provider": "aws", "faas.invoked_region": "us-west-2", "faas.name": "f"},
				spans: []spanSpec{server(nil)}}},
			want: []fields{{"Platform": "aws_lambda", "Provider": "aws", "Region": "us-west-2"}},
		},
		{
			name: "tencent platform gives provider",
			in:   []resSpec{{attrs: map[string]any{"cloud.platform": "tencent_cloud_scf"}, spans: []spanSpec{server(nil)}}},
			want: []fields{{"Provider": "tencent_cloud", "BillingPlan": "generic"}},
		},

		// Which spans are records.
		{
			name:    "plain HTTP server outside FaaS dropped",
			in:      []resSpec{{attrs: map[string]any{"service.name": "web", "cloud.platform": "aws_ecs"}, spans: []spanSpec{server(map[string]any{"http.response.status_code": 200})}}},
			dropped: 1,
		},
		{
			name: "internal and producer spans dropped",
			in: []resSpec{{attrs: awsRes, spans: []spanSpec{
				{kind: ptrace.SpanKindInternal, name: "work", attrs: map[string]any{"faas.coldstart": true}},
				{kind: ptrace.SpanKindProducer, name: "send"},
				{kind: ptrace.SpanKindUnspecified, name: "x"},
			}}},
			dropped: 3,
		},
		{
			name: "consumer span counts only with an invocation id",
			in: []resSpec{{attrs: awsRes, spans: []spanSpec{
				{kind: ptrace.SpanKindConsumer, name: "process q", attrs: map[string]any{"faas.trigger": "pubsub"}},
				{kind: ptrace.SpanKindConsumer, name: "q process", attrs: map[string]any{"faas.invocation_id": "sqs-1", "faas.trigger": "pubsub"}},
			}}},
			want:    []fields{{"InvocationID": "sqs-1", "Trigger": "pubsub", "Type": schemas.RecordInvocation}},
			dropped: 1,
		},
		{
			name: "client span that is not a throttle dropped",
			in: []resSpec{{attrs: callerRes, spans: []spanSpec{client(map[string]any{
				"faas.invoked_name": "billing-worker", "faas.invoked_provider": "aws", "http.response.status_code": 200,
			})}}},
			dropped: 1,
		},

		// Memory units (telemetry §2.8.5).
		{name: "memory int bytes", in: memCase(536870912), want: []fields{{"MemoryMB": 512, "BilledMemoryMB": 512}}},
		{name: "memory int MB", in: memCase(1024), want: []fields{{"MemoryMB": 1024}}},
		{name: "memory string MB", in: memCase("512"), want: []fields{{"MemoryMB": 512}}},
		{name: "memory string bytes", in: memCase("1073741824"), want: []fields{{"MemoryMB": 1024}}},
		{name: "memory double MB", in: memCase(256.0), want: []fields{{"MemoryMB": 256}}},
		{name: "memory 10240 is MB", in: memCase(10240), want: []fields{{"MemoryMB": 10240}}},
		{name: "memory 10241 is bytes", in: memCase(10241), want: []fields{{"MemoryMB": 0}}},
		{name: "memory garbage", in: memCase("lots"), want: []fields{{"MemoryMB": 0}}},
		{name: "memory negative", in: memCase(-5), want: []fields{{"MemoryMB": 0}}},
		{name: "memory absent", in: []resSpec{{attrs: awsRes, spans: []spanSpec{server(nil)}}}, want: []fields{{"MemoryMB": 0, "BilledMemoryMB": 0}}},

		// Cold start (explicit only; never inferred here).
		{name: "coldstart bool", in: coldCase(true), want: []fields{{"ColdStart": true, "ColdStartSource": schemas.ColdExplicit}}},
		{name: "coldstart string true", in: coldCase("TRUE"), want: []fields{{"ColdStart": true, "ColdStartSource": schemas.ColdExplicit}}},
		{name: "coldstart string false", in: coldCase("false"), want: []fields{{"ColdStart": false, "ColdStartSource": schemas.ColdExplicit}}},
		{name: "coldstart junk is unknown", in: coldCase("maybe"), want: []fields{{"ColdStart": false, "ColdStartSource": schemas.ColdUnknown}}},
		{name: "coldstart absent is unknown", in: []resSpec{{attrs: awsRes, spans: []spanSpec{server(nil)}}}, want: []fields{{"ColdStart": false, "ColdStartSource": schemas.ColdUnknown}}},

		// Runtime, architecture, version, trigger.
		{
			name: "runtime, arch, trigger",
			in: []resSpec{{attrs: merge(awsRes, map[string]any{
				"process.runtime.name": "CPython", "process.runtime.version": "3.13.1", "telemetry.sdk.language": "python",
				"host.arch": "aarch64", "faas.version": 26,
			}), spans: []spanSpec{server(map[string]any{"faas.trigger": "datasource"})}}},
			want: []fields{{"Runtime": "CPython 3.13.1", "Architecture": "arm64", "Trigger": "datasource", "Version": "26"}},
		},
		{
			name: "amd64 is x86_64, unknown arch empty",
			in: []resSpec{
				{attrs: merge(awsRes, map[string]any{"host.arch": "amd64"}), spans: []spanSpec{server(nil)}},
				{attrs: merge(awsRes, map[string]any{"host.arch": "s390x"}), spans: []spanSpec{server(nil)}},
			},
			want: []fields{{"Architecture": "x86_64"}, {"Architecture": ""}},
		},

		// Outcomes.
		{name: "timeout: Lambda message", in: outcomeCase(ptrace.StatusCodeError, "Task timed out after 3.00 seconds", nil, nil),
			want: []fields{{"Outcome": schemas.OutcomeTimeout}}},
		{name: "timeout: exception type", in: outcomeCase(ptrace.StatusCodeError, "", nil, map[string]any{"exception.type": "TimeoutError"}),
			want: []fields{{"Outcome": schemas.OutcomeTimeout, "ErrorType": "TimeoutError"}}},
		{name: "timeout: Azure message", in: outcomeCase(ptrace.StatusCodeError, "", nil, map[string]any{"exception.type": "Microsoft.Azure.WebJobs.Host.FunctionTimeoutException", "exception.message": "Timeout value of 00:05:00 exceeded by function 'F'"}),
			want: []fields{{"Outcome": schemas.OutcomeTimeout, "ErrorType": "Microsoft.Azure.WebJobs.Host.FunctionTimeoutException"}}},
		{name: "timeout: Azure message alone", in: outcomeCase(ptrace.StatusCodeError, "", nil, map[string]any{"exception.type": "X", "exception.message": "Timeout value of 00:05:00 exceeded by function 'F'"}),
			want: []fields{{"Outcome": schemas.OutcomeTimeout, "ErrorType": "X"}}},
		{name: "timeout: error.type DeadlineExceeded", in: outcomeCase(ptrace.StatusCodeError, "", map[string]any{"error.type": "DeadlineExceeded"}, nil),
			want: []fields{{"Outcome": schemas.OutcomeTimeout, "ErrorType": "DeadlineExceeded"}}},
		{name: "timeout text without error status is ok", in: outcomeCase(ptrace.StatusCodeUnset, "Task timed out", nil, nil),
			want: []fields{{"Outcome": schemas.OutcomeOK}}},
		{name: "error status", in: outcomeCase(ptrace.StatusCodeError, "boom", map[string]any{"error.type": "ValueError"}, map[string]any{"exception.type": "Other"}),
			want: []fields{{"Outcome": schemas.OutcomeError, "ErrorType": "ValueError"}}},
		{name: "http 503 with unset status is error", in: outcomeCase(ptrace.StatusCodeUnset, "", map[string]any{"http.response.status_code": 503}, nil),
			want: []fields{{"Outcome": schemas.OutcomeError, "HTTPStatus": 503}}},
		{name: "old http.status_code as string", in: outcomeCase(ptrace.StatusCodeUnset, "", map[string]any{"http.status_code": "404"}, nil),
			want: []fields{{"Outcome": schemas.OutcomeOK, "HTTPStatus": 404}}},
		{name: "server 429 is not a throttle", in: outcomeCase(ptrace.StatusCodeUnset, "", map[string]any{"http.response.status_code": 429}, nil),
			want: []fields{{"Outcome": schemas.OutcomeOK, "HTTPStatus": 429, "Type": schemas.RecordInvocation}}},
		{name: "implausible http status ignored", in: outcomeCase(ptrace.StatusCodeUnset, "", map[string]any{"http.response.status_code": 70000}, nil),
			want: []fields{{"HTTPStatus": 0}}},

		// Billing.
		{
			name: "faascope.plan overrides the default plan",
			in: []resSpec{{attrs: map[string]any{"cloud.platform": "azure.functions", "faascope.plan": "azure_flex"},
				spans: []spanSpec{{kind: ptrace.SpanKindServer, attrs: map[string]any{"faas.name": "F"}, durMs: 40}}}},
			want: []fields{{"BillingPlan": "azure_flex", "BilledDurationMs": 1000, "BilledMemoryMB": 2048}},
		},
		{
			name: "unknown faascope.plan falls back to the default",
			in: []resSpec{{attrs: merge(awsRes, map[string]any{"faascope.plan": "lambda_edge"}),
				spans: []spanSpec{{kind: ptrace.SpanKindServer, attrs: awsAttrs, durMs: 40.2}}}},
			want: []fields{{"BillingPlan": "aws_lambda", "BilledDurationMs": 41}},
		},
		{
			name: "init duration on the span is billed on a cold start",
			in: []resSpec{{attrs: merge(awsRes, map[string]any{"faas.max_memory": 512}),
				spans: []spanSpec{{kind: ptrace.SpanKindServer, attrs: map[string]any{"faas.coldstart": true, "faascope.init_duration_ms": 607.83}, durMs: 26.12}}}},
			want: []fields{{"InitDurationMs": 607.83, "BilledDurationMs": 634, "BilledMemoryMB": 512, "ColdStart": true}},
		},
		{
			name: "init duration absent: invocation carries none",
			in:   coldCase(true),
			want: []fields{{"InitDurationMs": 0.0, "BilledDurationMs": 10}},
		},

		// Init spans (telemetry §2.5).
		{
			name: "init span with error status",
			in: []resSpec{{attrs: map[string]any{"faas.invoked_provider": "aws", "faas.name": "orders-api", "faas.max_memory": "512"},
				spans: []spanSpec{{kind: ptrace.SpanKindInternal, name: "init orders-api", status: ptrace.StatusCodeError,
					attrs: map[string]any{"faas.coldstart": true, "error.type": "Runtime.ExitError"}, durMs: 1200}}}},
			want: []fields{{"Type": schemas.RecordInit, "Outcome": schemas.OutcomeError, "ErrorType": "Runtime.ExitError",
				"InitDurationMs": 1200.0, "ColdStartSource": schemas.ColdInitSpan, "BilledDurationMs": 0, "BilledMemoryMB": 0, "MemoryMB": 512}},
		},
		{
			name: "init span name is the last resort for the function name",
			in: []resSpec{{attrs: map[string]any{"faas.invoked_provider": "aws"},
				spans: []spanSpec{{kind: ptrace.SpanKindInternal, name: "init orders-api", attrs: map[string]any{"faas.coldstart": true}}}}},
			want: []fields{{"Type": schemas.RecordInit, "FunctionName": "orders-api"}},
		},
		{
			name: "init span without coldstart dropped",
			in: []resSpec{{attrs: map[string]any{"faas.name": "orders-api"},
				spans: []spanSpec{{kind: ptrace.SpanKindInternal, name: "init orders-api"}}}},
			dropped: 1,
		},

		// Throttles (telemetry §4).
		{
			name: "botocore Lambda.Invoke: string http.status_code and invoked region",
			in: []resSpec{{attrs: callerRes, spans: []spanSpec{{
				kind: ptrace.SpanKindClient, name: "Lambda.Invoke", status: ptrace.StatusCodeError,
				msg: "An error occurred (TooManyRequestsException) when calling the Invoke operation (reached max retries: 0): Rate Exceeded.",
				attrs: map[string]any{
					"rpc.system": "aws-api", "rpc.service": "Lambda", "rpc.method": "Invoke", "http.status_code": "429",
					"faas.invoked_name": "billing-worker", "faas.invoked_provider": "aws", "faas.invoked_region": "eu-central-1",
					"retry_attempts": 0,
				},
				durMs: 12.5,
			}}}},
			want: []fields{{
				"Type": schemas.RecordThrottle, "Outcome": schemas.OutcomeThrottled, "FunctionName": "billing-worker",
				"Provider": "aws", "Platform": "aws_lambda", "Region": "eu-central-1", "AccountID": "123456789012",
				"FunctionID": "arn:aws:lambda:eu-central-1:123456789012:function:billing-worker", "InvokedARN": "",
				"HTTPStatus": 429, "ErrorType": "TooManyRequestsException", "DurationMs": 12.5,
				"BilledDurationMs": 0, "BilledMemoryMB": 0, "BillingPlan": "aws_lambda", "ColdStartSource": schemas.ColdUnknown,
				"InvocationID": "", "ServiceName": "", "Version": "", "MemoryMB": 0,
				"Attrs": []schemas.Attr{{Key: "retry_attempts", Value: "0"}, {Key: "rpc.method", Value: "Invoke"}, {Key: "rpc.service", Value: "Lambda"}, {Key: "rpc.system", Value: "aws-api"}},
			}},
		},
		{
			name: "ARN invoked name gives account, region and unqualified id",
			in: []resSpec{{attrs: callerRes, spans: []spanSpec{client(map[string]any{
				"faas.invoked_name": "arn:aws:lambda:eu-west-1:999999999999:function:report:prod", "faas.invoked_provider": "aws",
				"http.response.status_code": 429,
			})}}},
			want: []fields{{"FunctionName": "report", "AccountID": "999999999999", "Region": "eu-west-1",
				"FunctionID": "arn:aws:lambda:eu-west-1:999999999999:function:report",
				"InvokedARN": "arn:aws:lambda:eu-west-1:999999999999:function:report:prod"}},
		},
		{
			name: "partial ARN and qualified names",
			in: []resSpec{{attrs: callerRes, spans: []spanSpec{
				client(map[string]any{"faas.invoked_name": "999999999999:function:report:prod", "http.response.status_code": 429}),
				client(map[string]any{"faas.invoked_name": "report:prod", "http.response.status_code": 429}),
			}}},
			want: []fields{
				{"FunctionName": "report", "AccountID": "999999999999", "Region": "us-east-1", "Provider": "aws"},
				{"FunctionName": "report", "AccountID": "123456789012", "Region": "us-east-1", "Provider": "aws"},
			},
		},
		{
			name: "throttle detected by exception event alone",
			in: []resSpec{{attrs: callerRes, spans: []spanSpec{{
				kind: ptrace.SpanKindClient, attrs: map[string]any{"faas.invoked_name": "w"},
				events: []map[string]any{{"exception.type": "botocore.errorfactory.ThrottlingException"}},
			}}}},
			want: []fields{{"Type": schemas.RecordThrottle, "ErrorType": "botocore.errorfactory.ThrottlingException", "HTTPStatus": 0}},
		},
		{
			name: "throttle detected by error.type alone",
			in:   []resSpec{{attrs: callerRes, spans: []spanSpec{{kind: ptrace.SpanKindClient, attrs: map[string]any{"faas.invoked_name": "w", "error.type": "ProvisionedThroughputExceededException"}}}}},
			want: []fields{{"Type": schemas.RecordThrottle, "ErrorType": "ProvisionedThroughputExceededException"}},
		},
		{
			name: "throttle detected by Rate Exceeded message alone",
			in:   []resSpec{{attrs: callerRes, spans: []spanSpec{{kind: ptrace.SpanKindClient, status: ptrace.StatusCodeError, msg: "Rate Exceeded.", attrs: map[string]any{"faas.invoked_name": "w"}}}}},
			want: []fields{{"Type": schemas.RecordThrottle, "FunctionName": "w"}},
		},
		{
			name: "caller account from the parent invocation span",
			in: []resSpec{{attrs: map[string]any{"cloud.provider": "aws", "cloud.platform": "aws_lambda", "cloud.region": "us-east-1", "faas.name": "a"},
				spans: []spanSpec{
					{kind: ptrace.SpanKindClient, parent: pcommon.SpanID{9, 9}, attrs: map[string]any{"faas.invoked_name": "w", "faas.invoked_provider": "aws", "http.response.status_code": 429}},
					{kind: ptrace.SpanKindServer, spanID: pcommon.SpanID{8, 8}, attrs: map[string]any{"cloud.account.id": "888888888888"}},
					{kind: ptrace.SpanKindServer, spanID: pcommon.SpanID{9, 9}, attrs: map[string]any{"cloud.resource_id": "arn:aws:lambda:us-east-1:999999999999:function:a"}},
				}}},
			want: []fields{{"Type": schemas.RecordThrottle, "AccountID": "999999999999"}, {"AccountID": "888888888888"}, {"AccountID": "999999999999"}},
		},
		{
			name: "non-FaaS 429 dropped",
			in: []resSpec{{attrs: callerRes, spans: []spanSpec{
				client(map[string]any{"url.full": "https://api.stripe.com/v1/charges", "http.response.status_code": 429}),
				client(map[string]any{"http.url": "https://x.a.run.app/", "http.status_code": 429}),
				client(map[string]any{"server.address": "myfn.cloudfunctions.net", "http.status_code": 429}),
			}}},
			dropped: 3,
		},
		{
			name: "cloud run deterministic URL gives region",
			in: []resSpec{{attrs: gcpCallerRes, spans: []spanSpec{client(map[string]any{
				"url.full": "https://checkout-123456789012.europe-west4.run.app/pay?x=1", "http.response.status_code": 429,
			})}}},
			want: []fields{{"FunctionName": "checkout", "Region": "europe-west4", "AccountID": "acme-shop-prod",
				"Provider": "gcp", "Platform": "gcp_cloud_run", "BillingPlan": "gcp_cloud_run"}},
		},
		{
			name: "cloud functions URL gives function, region and project",
			in: []resSpec{{attrs: gcpCallerRes, spans: []spanSpec{client(map[string]any{
				"http.url": "https://us-central1-acme-prod.cloudfunctions.net/resize-image", "http.status_code": 429,
			})}}},
			want: []fields{{"FunctionName": "resize-image", "Region": "us-central1", "AccountID": "acme-prod",
				"Provider": "gcp", "Platform": "gcp_cloud_functions"}},
		},
		{
			name: "cloud run legacy URL from server.address",
			in: []resSpec{{attrs: gcpCallerRes, spans: []spanSpec{client(map[string]any{
				"server.address": "img-resizer-v2-x7k2lmq3-uc.a.run.app", "http.response.status_code": "429",
			})}}},
			want: []fields{{"FunctionName": "img-resizer-v2", "Region": "europe-west1", "AccountID": "acme-shop-prod"}},
		},
		{
			name: "caller on another cloud lends no account or region",
			in: []resSpec{{attrs: callerRes, spans: []spanSpec{client(map[string]any{
				"url.full": "https://checkout-fn-abc123xyz-ew.a.run.app/", "http.response.status_code": 429,
			})}}},
			want: []fields{{"FunctionName": "checkout-fn", "Provider": "gcp", "Region": "", "AccountID": ""}},
		},

		// Tenant and attribute bounds.
		{
			name: "tenant option",
			opts: NormalizerOptions{Tenant: "acme"},
			in:   []resSpec{{attrs: awsRes, spans: []spanSpec{server(nil)}}},
			want: []fields{{"Tenant": "acme", "Attrs": nil}},
		},
		{
			name: "attributes bounded, sorted and truncated on rune boundaries",
			opts: NormalizerOptions{MaxAttrs: 3, MaxAttrValueLen: 9},
			in: []resSpec{{attrs: awsRes, spans: []spanSpec{server(map[string]any{
				"z.last": "z", "http.route": "/orders/{id}", "a.first": "ééééééé", "m.middle": int64(12345678901),
				"url.full": "https://x", "faas.invocation_id": "mapped", "cloud.account.id": "mapped",
				"a.very.long.key.name": true,
			})}}},
			want: []fields{{"Attrs": []schemas.Attr{
				{Key: "a.first", Value: "éééé"}, {Key: "a.very.lo", Value: "true"}, {Key: "http.rout", Value: "/orders/{"},
			}}},
		},
		{
			name: "negative MaxAttrs keeps none",
			opts: NormalizerOptions{MaxAttrs: -1},
			in:   []resSpec{{attrs: awsRes, spans: []spanSpec{server(map[string]any{"http.route": "/x"})}}},
			want: []fields{{"Attrs": nil}},
		},
		{
			name: "weird attribute types never fail",
			in: []resSpec{{attrs: map[string]any{
				"cloud.platform": []any{"aws_lambda"}, "faas.name": map[string]any{"x": 1}, "cloud.region": 12,
				"faas.max_memory": true, "faas.coldstart": 1.5, "service.name": "svc",
			}, spans: []spanSpec{server(map[string]any{
				"faas.invocation_id": []any{}, "http.response.status_code": "abc", "faas.trigger": "http",
				"faascope.init_duration_ms": "NaN", "host.arch": map[string]any{},
			})}}},
			want: []fields{{"FunctionName": "svc", "Platform": "", "Region": "12", "MemoryMB": 0, "ColdStartSource": schemas.ColdUnknown,
				"HTTPStatus": 0, "InitDurationMs": 0.0, "Architecture": ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := build(t, tt.in...)
			got := NewNormalizer(tt.opts).Normalize(td)
			if got.Dropped != tt.dropped || got.Rejected != tt.rejected {
				t.Errorf("dropped=%d rejected=%d %v, want dropped=%d rejected=%d", got.Dropped, got.Rejected, got.RejectReasons, tt.dropped, tt.rejected)
			}
			if len(got.Records) != len(tt.want) {
				t.Fatalf("got %d records, want %d: %+v", len(got.Records), len(tt.want), got.Records)
			}
			for i, w := range tt.want {
				checkFields(t, i, got.Records[i], w)
			}
		})
	}
}

func memCase(v any) []resSpec {
	return []resSpec{{attrs: merge(awsRes, map[string]any{"faas.max_memory": v}), spans: []spanSpec{server(awsAttrs)}}}
}

func coldCase(v any) []resSpec {
	return []resSpec{{attrs: awsRes, spans: []spanSpec{server(merge(awsAttrs, map[string]any{"faas.coldstart": v}))}}}
}

func outcomeCase(code ptrace.StatusCode, msg string, attrs, exception map[string]any) []resSpec {
	s := server(merge(awsAttrs, attrs))
	s.status, s.msg = code, msg
	if exception != nil {
		s.events = []map[string]any{exception}
	}
	return []resSpec{{attrs: awsRes, spans: []spanSpec{s}}}
}

// TestNormalizeRejects checks that bad spans are refused with one message per
// kind of problem while the good spans of the same request still become records.
func TestNormalizeRejects(t *testing.T) {
	ns := func(tm time.Time) uint64 { return uint64(tm.UnixNano()) }
	year2300 := uint64(time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC).Unix()) * 1e9
	bad := func(s spanSpec) spanSpec {
		s.kind, s.attrs = ptrace.SpanKindServer, awsAttrs
		return s
	}
	td := build(t, resSpec{attrs: awsRes, spans: []spanSpec{
		server(awsAttrs),
		bad(spanSpec{noIDs: true}),
		bad(spanSpec{spanID: pcommon.SpanID{}, traceID: pcommon.TraceID{1}, noIDs: true}),
		bad(spanSpec{spanID: pcommon.SpanID{0x3f, 0x2a, 0xbb, 0xcc, 1}, start: year2300, end: year2300 + 1}),
		bad(spanSpec{start: ns(testStart), end: ns(testStart) - 1}),
		bad(spanSpec{start: ns(testStart), end: 1 << 63}),
		bad(spanSpec{start: 1<<63 + 5, end: 1<<63 + 6}),
		server(awsAttrs),
	}})
	got := NewNormalizer(NormalizerOptions{}).Normalize(td)
	if len(got.Records) != 2 || got.Rejected != 6 || got.Dropped != 0 {
		t.Fatalf("records=%d rejected=%d dropped=%d, want 2, 6, 0 (%v)", len(got.Records), got.Rejected, got.Dropped, got.RejectReasons)
	}
	want := []string{
		"span 00000000..: empty trace id",
		"span in trace 01000000..: empty span id",
		"span 3f2abbcc..: start time 2300-01-01 outside 1970..2106",
		"span 12000000..: end time before start time",
		"span 12000000..: end time 2262-04-11 outside 1970..2106",
	}
	if !reflect.DeepEqual(got.RejectReasons, want) {
		t.Errorf("reasons:\n got %q\nwant %q", got.RejectReasons, want)
	}

	// Missing timestamps, and repeated problems, give one message each.
	td = build(t, resSpec{attrs: awsRes, spans: []spanSpec{
		bad(spanSpec{start: 1, rawTime: true}), bad(spanSpec{rawTime: true}), bad(spanSpec{noIDs: true}), bad(spanSpec{noIDs: true}),
	}})
	got = NewNormalizer(NormalizerOptions{}).Normalize(td)
	if got.Rejected != 4 || len(got.RejectReasons) != 2 || got.Records != nil {
		t.Errorf("rejected=%d reasons=%q records=%d, want 4, 2 reasons, nil", got.Rejected, got.RejectReasons, len(got.Records))
	}
	if !strings.Contains(got.RejectReasons[0], "start or end time missing") {
		t.Errorf("reason %q", got.RejectReasons[0])
	}
}

// TestNormalizeNeverPanics feeds degenerate requests.
func TestNormalizeNeverPanics(t *testing.T) {
	n := NewNormalizer(NormalizerOptions{})
	empty := ptrace.NewTraces()
	empty.ResourceSpans().AppendEmpty()                                                  // no scopes
	empty.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()                       // no spans
	empty.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty() // zero span
	for name, td := range map[string]ptrace.Traces{
		"new":        ptrace.NewTraces(),
		"zero value": {},
		"empty":      empty,
	} {
		t.Run(name, func(t *testing.T) {
			got := n.Normalize(td)
			if len(got.Records) != 0 {
				t.Errorf("records %+v", got.Records)
			}
		})
	}
	if got := n.Normalize(empty); got.Rejected != 1 {
		t.Errorf("zero span: rejected=%d, want 1", got.Rejected)
	}
}

// TestNormalizeConcurrent runs one Normalizer from many goroutines (run with -race).
func TestNormalizeConcurrent(t *testing.T) {
	n := NewNormalizer(NormalizerOptions{})
	var tds []ptrace.Traces
	for _, f := range fixtureFiles(t) {
		tds = append(tds, loadFixture(t, f))
	}
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 50; i++ {
				for _, td := range tds {
					n.Normalize(td)
				}
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
}

// FuzzNormalize checks that any parseable OTLP/JSON request normalizes without
// panicking and that every span is accounted for exactly once.
func FuzzNormalize(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	for _, file := range files {
		if raw, err := os.ReadFile(file); err == nil {
			f.Add(raw)
		}
	}
	n := NewNormalizer(NormalizerOptions{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var u ptrace.JSONUnmarshaler
		td, err := u.UnmarshalTraces(raw)
		if err != nil {
			return
		}
		got := n.Normalize(td)
		if len(got.Records)+got.Rejected+got.Dropped != td.SpanCount() {
			t.Fatalf("records %d + rejected %d + dropped %d != spans %d (%v)", len(got.Records), got.Rejected, got.Dropped, td.SpanCount(), got.RejectReasons)
		}
	})
}

func TestNormalizeCountsTruncationsAndRejectionReasons(t *testing.T) {
	td := lambdaTraces(3, 1) // the first span has no span id
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	spans.At(1).Attributes().PutStr("http.user_agent", strings.Repeat("a", 300))
	spans.At(2).Attributes().PutStr("short", "kept")
	res := NewNormalizer(NormalizerOptions{MaxAttrValueLen: 256}).Normalize(td)
	if res.Truncated != 1 {
		t.Errorf("Truncated = %d, want 1", res.Truncated)
	}
	if res.RejectedBy[rejectSpanID] != 1 || res.Rejected != 1 {
		t.Errorf("rejected %d by reason %v, want 1 without span id", res.Rejected, res.RejectedBy)
	}
	if got := RejectReasonNames[rejectSpanID]; got != "no_span_id" {
		t.Errorf("reason name %q", got)
	}
}
