package loadgen

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faascope/faascope/billing"
	"github.com/faascope/faascope/schemas"
)

// A shape imitates one instrumentation: the resource its SDK reports and the
// span it makes per invocation (telemetry §2; the section is named on each).
type shape struct {
	provider string
	doc      string
	scope    string
	schema   string
	resource func(f *Function, inst *Instance, m pcommon.Map)
	span     func(ev *Event, sp ptrace.Span, ids *idSource)
	// extra emits what else the instrumentation sends for an invocation.
	extra func(b *batchBuilder, ev *Event, parent ptrace.Span)
}

var shapes = map[string]shape{
	"nodejs": {
		provider: "aws", doc: "instrumentation-aws-lambda >= 0.72 with the Lambda layer's resource detector: faas.coldstart, memory in bytes, alias in the ARN (§2.1)",
		scope: "@opentelemetry/instrumentation-aws-lambda", resource: nodeResource, span: nodeSpan(false),
	},
	"nodejs-legacy": {
		provider: "aws", doc: "instrumentation-aws-lambda < 0.72: faas.execution and faas.id instead of faas.invocation_id and cloud.resource_id (§1.2, §2.1)",
		scope: "@opentelemetry/instrumentation-aws-lambda", resource: nodeResource, span: nodeSpan(true),
	},
	"python": {
		provider: "aws", doc: "AwsLambdaInstrumentor with AwsLambdaResourceDetector: no faas.coldstart (inferred per instance), memory as raw MB, old HTTP names (§2.3)",
		scope: "opentelemetry.instrumentation.aws_lambda", schema: "https://opentelemetry.io/schemas/1.11.0",
		resource: pythonResource, span: pythonSpan,
	},
	"java": {
		provider: "aws", doc: "Java agent aws-lambda instrumentation (no faas.coldstart, no faas.instance, route span names) plus the Telemetry API receiver's init spans (§2.4, §2.5)",
		scope: "io.opentelemetry.aws-lambda-events-2.2", resource: javaResource, span: javaSpan, extra: telemetryInitSpan,
	},
	"gcp": {
		provider: "gcp", doc: "Cloud Functions / Cloud Run functions: a plain instrumentation-http SERVER span with the GCP resource detector; cold starts inferred per instance (§2.7)",
		scope: "@opentelemetry/instrumentation-http", resource: gcpResource, span: gcpSpan,
	},
	"azure": {
		provider: "azure", doc: "Azure Functions host in OpenTelemetry mode (faas.* on the ASP.NET Core span, faas.coldstart only when cold) plus the .NET isolated worker's child span (§2.6)",
		scope: "Microsoft.AspNetCore", resource: azureHostResource, span: azureHostSpan, extra: azureWorkerSpan,
	},
}

// ShapeNames lists the shapes a workload may name.
func ShapeNames() []string {
	names := make([]string, 0, len(shapes))
	for n := range shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ShapeDoc describes a shape.
func ShapeDoc(name string) string { return shapes[name].doc }

// planAttr adds faascope.plan where traces cannot tell the plan (Cloud Run
// functions and Flex Consumption look like their siblings): what a user sets
// in OTEL_RESOURCE_ATTRIBUTES, as the README asks.
func planAttr(f *Function, m pcommon.Map) {
	if billing.Plan(f.Plan) != billing.DefaultPlan(f.provider(), f.platform()) {
		m.PutStr("faascope.plan", f.Plan)
	}
}

func lambdaARN(f *Function, alias string) string {
	arn := "arn:aws:lambda:" + f.Region + ":" + f.Account + ":function:" + f.Name
	if alias != "" {
		arn += ":" + alias
	}
	return arn
}

// hostArch is host.arch as semconv spells it.
func hostArch(f *Function) string {
	if f.Arch == "arm64" {
		return "arm64"
	}
	return "amd64"
}

// lambdaResource is what every Lambda resource detector reports.
func lambdaResource(f *Function, m pcommon.Map) {
	m.PutStr("service.name", f.Name)
	m.PutStr("cloud.provider", "aws")
	m.PutStr("cloud.platform", "aws_lambda")
	m.PutStr("cloud.region", f.Region)
	m.PutStr("faas.name", f.Name)
	m.PutStr("faas.version", "$LATEST")
}

func nodeResource(f *Function, inst *Instance, m pcommon.Map) {
	lambdaResource(f, m)
	m.PutInt("faas.max_memory", int64(f.MemoryMB)*1024*1024)
	m.PutStr("faas.instance", inst.ID)
	m.PutStr("process.runtime.name", "nodejs")
	m.PutStr("telemetry.sdk.language", "nodejs")
	// The layer's detectors report no architecture; users who want arm64
	// priced as such add it to OTEL_RESOURCE_ATTRIBUTES.
	m.PutStr("host.arch", hostArch(f))
}

func nodeSpan(legacy bool) func(ev *Event, sp ptrace.Span, ids *idSource) {
	return func(ev *Event, sp ptrace.Span, ids *idSource) {
		f := ev.Fn
		sp.SetName(f.Name)
		sp.SetKind(ptrace.SpanKindServer)
		a := sp.Attributes()
		if legacy {
			a.PutStr("faas.execution", ids.uuid())
			a.PutStr("faas.id", lambdaARN(f, "live"))
		} else {
			a.PutStr("faas.invocation_id", ids.uuid())
			a.PutStr("cloud.resource_id", lambdaARN(f, "live"))
		}
		a.PutStr("cloud.account.id", f.Account)
		a.PutBool("faas.coldstart", ev.Cold)
		awsFailure(ev, sp, "Error")
	}
}

// awsFailure marks a failed Lambda invocation the way the runtimes report it.
func awsFailure(ev *Event, sp ptrace.Span, errType string) {
	switch ev.Outcome {
	case schemas.OutcomeTimeout:
		msg := fmt.Sprintf("Task timed out after %.2f seconds", ev.DurationMs/1000)
		sp.Status().SetCode(ptrace.StatusCodeError)
		sp.Status().SetMessage(msg)
	case schemas.OutcomeError:
		sp.Status().SetCode(ptrace.StatusCodeError)
		sp.Status().SetMessage("order validation failed")
		exceptionEvent(sp, errType, "order validation failed")
	}
}

func exceptionEvent(sp ptrace.Span, typ, msg string) {
	e := sp.Events().AppendEmpty()
	e.SetName("exception")
	e.SetTimestamp(sp.EndTimestamp())
	e.Attributes().PutStr("exception.type", typ)
	e.Attributes().PutStr("exception.message", msg)
}

func pythonResource(f *Function, inst *Instance, m pcommon.Map) {
	lambdaResource(f, m)
	m.PutStr("faas.instance", inst.ID)
	m.PutInt("faas.max_memory", int64(f.MemoryMB)) // the detector's raw MB (§2.3)
	m.PutStr("telemetry.sdk.language", "python")
	m.PutStr("host.arch", hostArch(f))
}

func pythonSpan(ev *Event, sp ptrace.Span, ids *idSource) {
	f := ev.Fn
	sp.SetName(f.Name)
	sp.SetKind(ptrace.SpanKindServer)
	a := sp.Attributes()
	a.PutStr("cloud.account.id", f.Account)
	a.PutStr("cloud.resource_id", lambdaARN(f, "")) // truncated to 7 fields: no alias
	a.PutStr("faas.invocation_id", ids.uuid())
	a.PutStr("faas.trigger", "http")
	a.PutStr("http.method", "POST")
	a.PutStr("http.route", "/"+f.Name)
	status := int64(200)
	if ev.Outcome == schemas.OutcomeError {
		status = 500
	}
	if ev.Outcome != schemas.OutcomeTimeout {
		a.PutInt("http.status_code", status) // old HTTP semconv name
	}
	awsFailure(ev, sp, "ValueError")
}

func javaResource(f *Function, _ *Instance, m pcommon.Map) {
	lambdaResource(f, m)
	m.PutStr("cloud.account.id", f.Account)
	m.PutStr("host.arch", hostArch(f))
	m.PutStr("process.runtime.name", "OpenJDK Runtime Environment")
	m.PutStr("process.runtime.version", "21.0.5+11-LTS")
	m.PutStr("telemetry.sdk.language", "java")
}

func javaSpan(ev *Event, sp ptrace.Span, ids *idSource) {
	f := ev.Fn
	sp.SetName("POST /" + f.Name) // API Gateway proxy events are named after the route
	sp.SetKind(ptrace.SpanKindServer)
	a := sp.Attributes()
	a.PutStr("faas.invocation_id", ids.uuid())
	a.PutStr("cloud.resource_id", lambdaARN(f, "live"))
	a.PutStr("cloud.account.id", f.Account)
	a.PutStr("faas.trigger", "http")
	a.PutStr("http.request.method", "POST")
	a.PutStr("url.full", "https://api.example.com/"+f.Name)
	switch ev.Outcome {
	case schemas.OutcomeOK:
		a.PutInt("http.response.status_code", 200)
	case schemas.OutcomeError:
		a.PutInt("http.response.status_code", 500)
	}
	awsFailure(ev, sp, "java.lang.IllegalStateException")
}

// telemetryInitSpan is the Telemetry API receiver's "init <function>" span of
// a cold start: its own resource and a new trace, millisecond times (§2.5).
func telemetryInitSpan(b *batchBuilder, ev *Event, _ ptrace.Span) {
	if !ev.Cold {
		return
	}
	f := ev.Fn
	sp := b.newSpan(groupKey{fn: ev.FnIndex, inst: ev.Instance, role: roleTelemetryAPI},
		"github.com/open-telemetry/opentelemetry-lambda/collector/receiver/telemetryapi", "",
		func(m pcommon.Map) {
			m.PutStr("faas.invoked_provider", "aws")
			m.PutStr("service.name", f.Name)
			m.PutStr("faas.name", f.Name)
			m.PutStr("service.instance.id", ev.Instance.ID)
			m.PutStr("faas.max_memory", strconv.Itoa(int(f.MemoryMB)))
			m.PutStr("faas.version", "$LATEST")
			m.PutStr("faas.invoked_region", f.Region)
		})
	sp.SetTraceID(ev.ids.traceID())
	sp.SetSpanID(ev.ids.spanID())
	sp.SetName("init " + f.Name)
	sp.SetKind(ptrace.SpanKindInternal)
	start := ev.Arrival.Truncate(time.Millisecond)
	sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(ev.InitMs) * time.Millisecond)))
	sp.Attributes().PutBool("faas.coldstart", true)
}

// gcpProjectNumber stands in for the project number in Cloud Run URLs.
func gcpProjectNumber(project string) string {
	h := uint64(14695981039346656037)
	for i := 0; i < len(project); i++ {
		h = (h ^ uint64(project[i])) * 1099511628211
	}
	return strconv.FormatUint(h%1e12, 10)
}

func gcpResource(f *Function, inst *Instance, m pcommon.Map) {
	m.PutStr("service.name", f.Name)
	m.PutStr("cloud.provider", "gcp")
	m.PutStr("cloud.platform", "gcp_cloud_functions") // FUNCTION_TARGET wins, also on Cloud Run (§2.7)
	m.PutStr("cloud.account.id", f.Account)
	m.PutStr("cloud.region", f.Region)
	m.PutStr("faas.name", f.Name)
	m.PutStr("faas.version", f.Name+"-00042-xuz")
	m.PutStr("faas.instance", inst.ID)
	// Not reported by the detector: what users add to OTEL_RESOURCE_ATTRIBUTES.
	m.PutInt("faas.max_memory", int64(f.MemoryMB))
	planAttr(f, m)
}

func gcpSpan(ev *Event, sp ptrace.Span, _ *idSource) {
	sp.SetName("POST")
	sp.SetKind(ptrace.SpanKindServer)
	a := sp.Attributes()
	a.PutStr("http.request.method", "POST")
	a.PutStr("url.path", "/")
	a.PutStr("url.scheme", "https")
	status := int64(200)
	switch ev.Outcome {
	case schemas.OutcomeError:
		status = 500
		sp.Status().SetCode(ptrace.StatusCodeError)
	case schemas.OutcomeTimeout:
		status = 504
		sp.Status().SetCode(ptrace.StatusCodeError)
		sp.Status().SetMessage("DeadlineExceeded: function execution took longer than its timeout")
	}
	a.PutInt("http.response.status_code", status)
}

func azureSite(f *Function) (site, fn string) {
	site, fn, _ = strings.Cut(f.Name, "/")
	return site, fn
}

func azureHostResource(f *Function, _ *Instance, m pcommon.Map) {
	site, _ := azureSite(f)
	m.PutStr("service.name", site)
	m.PutStr("service.version", "4.1037.1.23605")
	m.PutStr("faas.version", "4.1037.1.23605") // the host runtime's version (§2.6)
	m.PutStr("cloud.provider", "azure")
	m.PutStr("cloud.platform", "azure_functions")
	m.PutStr("cloud.region", f.Region)
	m.PutStr("cloud.resource.id", "/subscriptions/"+f.Account+"/resourceGroups/rg-"+site+"/providers/Microsoft.Web/sites/"+site)
	// Not reported by the host: what users add to OTEL_RESOURCE_ATTRIBUTES.
	m.PutInt("faas.max_memory", int64(f.MemoryMB))
	planAttr(f, m)
}

func azureHostSpan(ev *Event, sp ptrace.Span, _ *idSource) {
	_, fn := azureSite(ev.Fn)
	sp.SetName("POST api/" + fn)
	sp.SetKind(ptrace.SpanKindServer)
	a := sp.Attributes()
	a.PutStr("faas.name", fn)
	a.PutStr("faas.trigger", "http")
	if ev.Cold {
		a.PutBool("faas.coldstart", true) // absent, not false, when warm
	}
	a.PutStr("http.request.method", "POST")
	a.PutStr("url.path", "/api/"+fn)
	status := int64(200)
	switch ev.Outcome {
	case schemas.OutcomeError:
		status = 500
		sp.Status().SetCode(ptrace.StatusCodeError)
		exceptionEvent(sp, "System.InvalidOperationException", "order validation failed")
	case schemas.OutcomeTimeout:
		status = 500
		sp.Status().SetCode(ptrace.StatusCodeError)
		exceptionEvent(sp, "Microsoft.Azure.WebJobs.Host.FunctionTimeoutException",
			fmt.Sprintf("Timeout value of %s exceeded by function 'Functions.%s'", formatAzureTimeout(ev.Fn.Timeout), fn))
	}
	a.PutInt("http.response.status_code", status)
}

func formatAzureTimeout(d time.Duration) string {
	s := int(d.Seconds())
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// azureWorkerSpan is the .NET isolated worker's "Invoke" span (schema 1.17.0),
// a child of the host span; faascope drops it, the host span is the invocation.
func azureWorkerSpan(b *batchBuilder, ev *Event, parent ptrace.Span) {
	site, _ := azureSite(ev.Fn)
	sp := b.newSpan(groupKey{fn: ev.FnIndex, role: roleWorker}, "Microsoft.Azure.Functions.Worker", "",
		func(m pcommon.Map) { m.PutStr("service.name", site) })
	sp.SetTraceID(parent.TraceID())
	sp.SetParentSpanID(parent.SpanID())
	sp.SetSpanID(ev.ids.spanID())
	sp.SetName("Invoke")
	sp.SetKind(ptrace.SpanKindServer)
	sp.SetStartTimestamp(parent.StartTimestamp())
	sp.SetEndTimestamp(parent.EndTimestamp())
	sp.Attributes().PutStr("az.schema_url", "https://opentelemetry.io/schemas/1.17.0")
	sp.Attributes().PutStr("faas.execution", ev.ids.uuid())
}
