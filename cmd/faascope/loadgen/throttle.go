package loadgen

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Throttled calls never reach the function, so only the caller's CLIENT span
// shows them (telemetry §4). Each function gets one caller service in its own
// account and region.

// throttleSpan emits the caller's CLIENT span of one throttled call.
func throttleSpan(b *batchBuilder, ev *Event) {
	f := ev.Fn
	provider := f.provider()
	sp := b.newSpan(groupKey{fn: ev.FnIndex, role: roleCaller}, callerScope[provider], "", func(m pcommon.Map) {
		m.PutStr("service.name", f.Name+"-caller")
		m.PutStr("cloud.provider", provider)
		m.PutStr("cloud.account.id", f.Account)
		m.PutStr("cloud.region", f.Region)
	})
	sp.SetTraceID(ev.ids.traceID())
	sp.SetSpanID(ev.ids.spanID())
	sp.SetKind(ptrace.SpanKindClient)
	sp.SetStartTimestamp(pcommon.NewTimestampFromTime(ev.Arrival))
	// A refused call answers fast.
	sp.SetEndTimestamp(pcommon.NewTimestampFromTime(ev.Arrival.Add(12e6)))
	sp.Status().SetCode(ptrace.StatusCodeError)
	a := sp.Attributes()
	a.PutInt("http.response.status_code", 429)
	switch provider {
	case "aws":
		awsThrottle(f, sp)
	case "gcp":
		sp.SetName("POST")
		a.PutStr("http.request.method", "POST")
		a.PutStr("url.full", gcpURL(f))
	case "azure":
		site, fn := azureSite(f)
		sp.SetName("POST")
		a.PutStr("http.request.method", "POST")
		a.PutStr("url.full", "https://"+site+".azurewebsites.net/api/"+fn)
		// An Azure 429 comes from the host's HttpThrottleMiddleware; the
		// URL alone does not name the function app's subscription, so the
		// caller names the callee with the FaaS client conventions.
		a.PutStr("faas.invoked_name", f.Name)
		a.PutStr("faas.invoked_provider", "azure")
		a.PutStr("faas.invoked_region", f.Region)
	}
}

var callerScope = map[string]string{
	"aws":   "@opentelemetry/instrumentation-aws-sdk",
	"gcp":   "@opentelemetry/instrumentation-http",
	"azure": "@opentelemetry/instrumentation-http",
}

// awsThrottle is the Node AWS SDK's Lambda Invoke span refused with 429
// TooManyRequestsException (telemetry §2.2): no faas.invoked_region, no
// aws.request.id, an exception event.
func awsThrottle(f *Function, sp ptrace.Span) {
	sp.SetName(f.Name + " Invoke")
	a := sp.Attributes()
	a.PutStr("rpc.system", "aws-api")
	a.PutStr("rpc.service", "Lambda")
	a.PutStr("rpc.method", "Invoke")
	a.PutStr("cloud.region", f.Region)
	a.PutStr("faas.invoked_name", f.Name)
	a.PutStr("faas.invoked_provider", "aws")
	sp.Status().SetMessage("Rate Exceeded.")
	exceptionEvent(sp, "TooManyRequestsException", "Rate Exceeded.")
}

// gcpURL is the function's endpoint: cloudfunctions.net for 1st gen, the
// deterministic run.app URL for Cloud Run functions.
func gcpURL(f *Function) string {
	if f.Plan == "gcp_functions_gen1" {
		return "https://" + f.Region + "-" + f.Account + ".cloudfunctions.net/" + f.Name
	}
	return "https://" + f.Name + "-" + gcpProjectNumber(f.Account) + "." + f.Region + ".run.app/"
}
