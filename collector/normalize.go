package collector

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faascope/faascope/billing"
	"github.com/faascope/faascope/schemas"
)

// Default bounds of the extra attributes kept per record (collector.Config
// uses the same defaults).
const (
	defaultMaxAttrs        = 16
	defaultMaxAttrValueLen = 256
	maxRejectReasons       = 5
)

// azureWorkerScope is the ActivitySource of the Azure Functions .NET isolated
// worker. Its spans are children of the host's invocation span (telemetry
// §2.6), so counting them too would count every call twice.
const azureWorkerScope = "Microsoft.Azure.Functions.Worker"

// NormalizerOptions configures a Normalizer. Zero values get defaults.
type NormalizerOptions struct {
	Tenant          string // default schemas.DefaultTenant
	MaxAttrs        int    // extra attributes kept per record; 0: 16, negative: none
	MaxAttrValueLen int    // bytes per extra attribute key and value; <= 0: 256
}

// Normalizer turns OTLP traces into invocation records following
// ../shared/faas-telemetry.md §2.8 and §4. It holds no mutable state, so it is
// pure and safe for concurrent use.
type Normalizer struct {
	tenant      string
	maxAttrs    int
	maxValueLen int
}

// NewNormalizer applies defaults to opts.
func NewNormalizer(opts NormalizerOptions) *Normalizer {
	n := &Normalizer{tenant: opts.Tenant, maxAttrs: opts.MaxAttrs, maxValueLen: opts.MaxAttrValueLen}
	if n.tenant == "" {
		n.tenant = schemas.DefaultTenant
	}
	if n.maxAttrs == 0 {
		n.maxAttrs = defaultMaxAttrs
	}
	if n.maxValueLen <= 0 {
		n.maxValueLen = defaultMaxAttrValueLen
	}
	return n
}

// Result is what one export request normalizes to. Every span is counted
// once: as a record, as Rejected or as Dropped.
type Result struct {
	Records       []schemas.Invocation
	Rejected      int      // spans refused as bad input (ids, timestamps)
	RejectReasons []string // one example message per kind of rejection, at most a few
	Dropped       int      // valid spans that are not FaaS invocations, throttles or inits
	// RejectedBy counts Rejected by reason, indexed like RejectReasonNames.
	RejectedBy [rejectKinds]int
	// Truncated counts extra attribute keys and values cut to MaxAttrValueLen.
	Truncated int
}

// RejectReasonNames names the reasons a span is rejected, as metric labels.
var RejectReasonNames = [rejectKinds]string{
	rejectNone: "none", rejectTraceID: "no_trace_id", rejectSpanID: "no_span_id", rejectNoTime: "no_time",
	rejectStartRange: "start_out_of_range", rejectEndRange: "end_out_of_range", rejectEndBeforeStart: "end_before_start",
}

// Normalize maps every span of td. It never panics: a bug that would panic
// rejects the request instead, so the exporter gets an answer and the
// process keeps serving.
func (n *Normalizer) Normalize(td ptrace.Traces) Result {
	return n.NormalizeFor(td, n.tenant)
}

// NormalizeFor is Normalize with the records' tenant given per call (the
// tenant of the export's token).
func (n *Normalizer) NormalizeFor(td ptrace.Traces, tenant string) (out Result) {
	defer func() {
		if p := recover(); p != nil {
			out = Result{Rejected: safeSpanCount(td), RejectReasons: []string{fmt.Sprintf("internal error normalizing request: %v", p)}}
		}
	}()
	var st state
	st.res.Records = make([]schemas.Invocation, 0, td.SpanCount())
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rctx := resourceCtx{rs: rss.At(i), tenant: tenant}
		rctx.res.read(rctx.rs.Resource().Attributes())
		sss := rctx.rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			worker := ss.Scope().Name() == azureWorkerScope
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				n.span(&st, &rctx, spans.At(k), worker)
			}
		}
		st.res.Truncated += rctx.truncated
	}
	if len(st.res.Records) == 0 {
		st.res.Records = nil
	}
	return st.res
}

func safeSpanCount(td ptrace.Traces) (n int) {
	defer func() { _ = recover() }()
	return td.SpanCount()
}

// state is the running result of one Normalize call.
type state struct {
	res    Result
	seenRe [rejectKinds]bool
}

// span classifies one span and appends its record, if any.
func (n *Normalizer) span(st *state, rctx *resourceCtx, span ptrace.Span, worker bool) {
	if kind := validate(span); kind != rejectNone {
		st.reject(kind, span)
		return
	}
	if worker {
		st.res.Dropped++
		return
	}
	var sp attrSet
	var rec schemas.Invocation
	ok := false
	switch span.Kind() {
	case ptrace.SpanKindServer:
		sp.read(span.Attributes())
		if isInvocation(&sp, &rctx.res) {
			rec, ok = n.invocation(span, &sp, rctx), true
		}
	case ptrace.SpanKindConsumer:
		sp.read(span.Attributes())
		// A CONSUMER span is the invocation only when it says so itself;
		// otherwise it is a per-message child of the SERVER span
		// (instrumentation-aws-lambda's "process <queue>").
		if sp.invocationID != "" || sp.execution != "" {
			rec, ok = n.invocation(span, &sp, rctx), true
		}
	case ptrace.SpanKindInternal:
		if strings.HasPrefix(span.Name(), "init ") {
			sp.read(span.Attributes())
			if sp.cold == isTrue {
				rec, ok = n.initRecord(span, &sp, rctx), true
			}
		}
	case ptrace.SpanKindClient:
		sp.read(span.Attributes())
		if isThrottle(span, &sp) {
			rec, ok = n.throttle(span, &sp, rctx)
		}
	}
	if !ok {
		st.res.Dropped++
		return
	}
	st.res.Records = append(st.res.Records, rec)
}

// isInvocation reports whether a SERVER span runs in a FaaS context.
func isInvocation(sp, res *attrSet) bool {
	if sp.name != "" || sp.trigger != "" || sp.invocationID != "" || sp.execution != "" || sp.cold != unset {
		return true
	}
	platform := normalizePlatform(first(sp.platform, res.platform))
	if platform == "azure.functions" {
		// The Azure host sets faas.* on the span of a function call only;
		// its other server spans (health probes, admin API, requests refused
		// by HttpThrottleMiddleware) share the resource but are no invocation
		// and name no function (telemetry §2.6, §4).
		return false
	}
	return isFaaSPlatform(platform) ||
		res.name != "" || res.trigger != "" || res.invocationID != "" || res.execution != "" || res.cold != unset
}

// invocation builds the record of one SERVER (or CONSUMER) span.
func (n *Normalizer) invocation(span ptrace.Span, sp *attrSet, rctx *resourceCtx) schemas.Invocation {
	rec := n.base(span, sp, rctx, schemas.RecordInvocation)
	rec.InvocationID = first(sp.invocationID, sp.execution, rctx.res.invocationID, rctx.res.execution)
	rec.Trigger = first(sp.trigger, rctx.res.trigger)
	switch first3(sp.cold, rctx.res.cold) {
	case isTrue:
		rec.ColdStart, rec.ColdStartSource = true, schemas.ColdExplicit
	case isFalse:
		rec.ColdStartSource = schemas.ColdExplicit
	default:
		// Unknown stays unknown: ClickHouse infers cold starts from the first
		// invocation per instance, where all replicas' rows meet.
		rec.ColdStartSource = schemas.ColdUnknown
	}
	// Only the span itself can say how long this invocation's init took; the
	// Telemetry API reports init as a separate record instead.
	rec.InitDurationMs = sp.initMs
	rec.Outcome, rec.ErrorType, rec.HTTPStatus = outcome(span, sp)
	plan := planFor(sp, rctx, rec.Provider, rec.Platform)
	m := billing.MeterFor(plan).Meter(billing.Usage{
		Start: rec.Start, DurationMs: rec.DurationMs, InitMs: rec.InitDurationMs,
		ColdStart: rec.ColdStart, MemoryMB: rec.MemoryMB,
	})
	rec.BillingPlan, rec.BilledDurationMs, rec.BilledMemoryMB = string(plan), m.BilledDurationMs, m.BilledMemoryMB
	return rec
}

// initRecord builds the record of a Telemetry API receiver "init <function>"
// span (telemetry §2.5). It bills nothing itself: init is billed on the cold
// invocation when that row carries InitDurationMs.
func (n *Normalizer) initRecord(span ptrace.Span, sp *attrSet, rctx *resourceCtx) schemas.Invocation {
	rec := n.base(span, sp, rctx, schemas.RecordInit)
	if rec.FunctionName == "" {
		// The receiver names the span after AWS_LAMBDA_FUNCTION_NAME; unlike
		// other span names this one is the function name by construction.
		rec.FunctionName = strings.TrimSpace(strings.TrimPrefix(span.Name(), "init "))
	}
	rec.InitDurationMs = rec.DurationMs
	rec.ColdStart, rec.ColdStartSource = true, schemas.ColdInitSpan
	rec.Outcome = schemas.OutcomeOK
	if span.Status().Code() == ptrace.StatusCodeError {
		rec.Outcome = schemas.OutcomeError
		rec.ErrorType = first(sp.errorType, span.Status().Message())
	}
	rec.BillingPlan = string(planFor(sp, rctx, rec.Provider, rec.Platform))
	return rec
}

// throttle builds the record of a throttled CLIENT span, attributed to the
// callee; ok is false when the callee is not a function we can name.
func (n *Normalizer) throttle(span ptrace.Span, sp *attrSet, rctx *resourceCtx) (schemas.Invocation, bool) {
	c, ok := calleeOf(span, sp, rctx)
	if !ok || c.name == "" {
		return schemas.Invocation{}, false
	}
	rec := schemas.Invocation{
		Tenant: rctx.tenant, Provider: c.provider, Platform: c.platform, Region: c.region,
		AccountID: c.account, FunctionName: c.name, FunctionID: c.functionID, InvokedARN: c.invokedARN,
		Type: schemas.RecordThrottle, Outcome: schemas.OutcomeThrottled,
		ColdStartSource: schemas.ColdUnknown,
		// Nothing is billed for a refused call; the plan is the callee's default.
		BillingPlan: string(billing.DefaultPlan(c.provider, c.platform)),
		ErrorType:   errorType(span, sp),
		HTTPStatus:  httpStatusOf(sp),
	}
	rec.TraceID, rec.SpanID = ids(span)
	rec.Start, rec.DurationMs = timing(span)
	rec.Attrs = n.extraAttrs(span.Attributes(), sp.extra, &rctx.truncated)
	return rec, true
}

// base fills the fields that invocation and init records share: the
// function's identity and the span's ids and timing.
func (n *Normalizer) base(span ptrace.Span, sp *attrSet, rctx *resourceCtx, typ schemas.RecordType) schemas.Invocation {
	res := &rctx.res
	rec := schemas.Invocation{Tenant: rctx.tenant, Type: typ}
	resolveIdentity(&rec, sp, res)
	rec.Version = first(sp.version, res.version)
	rec.Runtime = rctx.runtime(sp)
	rec.Architecture = normalizeArch(first(sp.arch, res.arch))
	rec.MemoryMB = sp.memoryMB
	if rec.MemoryMB == 0 {
		rec.MemoryMB = res.memoryMB
	}
	rec.InstanceID = first(sp.instance, res.instance)
	rec.ServiceName = first(sp.serviceName, res.serviceName)
	rec.TraceID, rec.SpanID = ids(span)
	rec.Start, rec.DurationMs = timing(span)
	rec.Attrs = n.extraAttrs(span.Attributes(), sp.extra, &rctx.truncated)
	return rec
}

// resolveIdentity resolves provider, platform, region, account, function name and
// ids, reading each key from the span first and the resource second
// (semconv allows both, telemetry §1.1).
func resolveIdentity(rec *schemas.Invocation, sp, res *attrSet) {
	rid := first(sp.resourceID, sp.faasID, sp.resourceDotID, res.resourceID, res.faasID, res.resourceDotID)
	rec.InvokedARN = first(sp.invoked, res.invoked, rid)
	arn, isARN := parseLambdaARN(rid)
	if !isARN {
		arn, isARN = parseLambdaARN(rec.InvokedARN)
	}
	name := first(sp.name, res.name)

	rec.Provider = first(sp.provider, res.provider)
	rec.Platform = normalizePlatform(first(sp.platform, res.platform))
	if rec.Platform == "" {
		rec.Platform = inferPlatform(rec.Provider, res.invokedProvider, isARN, name != "")
	}
	if rec.Provider == "" {
		rec.Provider = providerOf(rec.Platform)
	}
	// faas.invoked_region on a resource is the Telemetry API receiver's
	// spelling of the function's own region (telemetry §2.5).
	rec.Region = first(sp.region, res.region, res.invokedRegion, arn.region, armSegment(rid, "locations"))
	rec.AccountID = first(sp.account, res.account, arn.account, accountFromResourceID(rid))

	rec.FunctionID = rid
	if isARN {
		rec.FunctionID = arn.unqualified // semconv: the ARN without alias (§1.3)
	}
	rec.FunctionName = functionName(name, first(sp.serviceName, res.serviceName), rid, arn)
	if rec.Platform == "azure.functions" && name != "" {
		azureName(rec, name, first(sp.serviceName, res.serviceName), rid)
	}
}

// inferPlatform fills a missing cloud.platform (Python layer, Telemetry API
// receiver) from what else the telemetry says (telemetry §2.8.4).
func inferPlatform(provider, resInvokedProvider string, arn, hasName bool) string {
	switch {
	case arn || provider == "aws" || (provider == "" && resInvokedProvider == "aws"):
		return "aws_lambda"
	case provider == "gcp" && hasName:
		return "gcp_cloud_functions"
	case provider == "azure":
		return "azure.functions"
	}
	return ""
}

// functionName picks faas.name, then service.name, then the name inside the
// resource id. Never the span name: Java and API Gateway spans are named after
// routes ("POST /orders"), GCP and Azure after methods ("POST", "Invoke").
func functionName(name, service, rid string, arn lambdaARN) string {
	if name != "" {
		return name
	}
	if service != "" && !strings.HasPrefix(service, "unknown_service") {
		return service // the SDK default "unknown_service:<process>" names nothing
	}
	return first(arn.name, armSegment(rid, "functions"), armSegment(rid, "services"))
}

// azureName applies semconv's <APP>/<FUNC> form: the Azure host sends only
// <FUNC> in faas.name and a site-level resource id (telemetry §2.6). It also
// turns a site-level id into the function-level id semconv asks for.
func azureName(rec *schemas.Invocation, name, service, rid string) {
	fn := name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		fn = name[i+1:]
	} else if app := first(armSegment(rid, "sites"), service); app != "" {
		rec.FunctionName = app + "/" + name
	}
	if rid != "" && fn != "" && armSegment(rid, "sites") != "" && armSegment(rid, "functions") == "" {
		rec.FunctionID = strings.TrimRight(rid, "/") + "/functions/" + fn
	}
}

// planFor is the billing plan named by faascope.plan, else the platform default.
func planFor(sp *attrSet, rctx *resourceCtx, provider, platform string) billing.Plan {
	if p, ok := billing.ParsePlan(first(sp.plan, rctx.res.plan)); ok {
		return p
	}
	return billing.DefaultPlan(provider, platform)
}

// timeoutMarkers are how runtimes report a function killed at its time limit:
// Lambda "Task timed out after 3.00 seconds", Node "TimeoutError", Azure
// "FunctionTimeoutException" / "Timeout value of 00:05:00 exceeded", gRPC and
// Go "DeadlineExceeded".
func isTimeout(s string) bool {
	if s == "" {
		return false
	}
	return strings.Contains(s, "Task timed out") || strings.Contains(s, "TimeoutError") ||
		strings.Contains(s, "FunctionTimeout") || strings.Contains(s, "DeadlineExceeded") ||
		(strings.Contains(s, "Timeout value of") && strings.Contains(s, "exceeded"))
}

// outcome derives ok/error/timeout, the error type and the HTTP status.
func outcome(span ptrace.Span, sp *attrSet) (schemas.Outcome, string, uint16) {
	status := httpStatusOf(sp)
	et := errorType(span, sp)
	isErr := span.Status().Code() == ptrace.StatusCodeError
	switch {
	case isErr && (isTimeout(et) || isTimeout(span.Status().Message()) || exceptionTimeout(span)):
		return schemas.OutcomeTimeout, et, status
	case isErr || status >= 500:
		return schemas.OutcomeError, et, status
	}
	return schemas.OutcomeOK, et, status
}

// httpStatusOf prefers the stable attribute name over the old one.
func httpStatusOf(sp *attrSet) uint16 {
	if sp.httpStatus != 0 {
		return sp.httpStatus
	}
	return sp.oldHTTPStatus
}

// errorType is error.type, else an exception.type attribute, else the first
// exception event's type, else the code in a botocore error message.
func errorType(span ptrace.Span, sp *attrSet) string {
	if t := first(sp.errorType, sp.exceptionType); t != "" {
		return t
	}
	evs := span.Events()
	for i := 0; i < evs.Len(); i++ {
		if t, ok := evs.At(i).Attributes().Get("exception.type"); ok && t.Str() != "" {
			return t.Str()
		}
	}
	if span.Status().Code() == ptrace.StatusCodeError {
		return botocoreErrorCode(span.Status().Message())
	}
	return ""
}

func exceptionTimeout(span ptrace.Span) bool {
	evs := span.Events()
	for i := 0; i < evs.Len(); i++ {
		attrs := evs.At(i).Attributes()
		if t, ok := attrs.Get("exception.type"); ok && isTimeout(t.Str()) {
			return true
		}
		if m, ok := attrs.Get("exception.message"); ok && isTimeout(m.Str()) {
			return true
		}
	}
	return false
}

// ids formats trace and span id as lowercase hex in one allocation.
func ids(span ptrace.Span) (traceID, spanID string) {
	var buf [48]byte
	t, s := span.TraceID(), span.SpanID()
	hex.Encode(buf[:32], t[:])
	hex.Encode(buf[32:], s[:])
	all := string(buf[:])
	return all[:32], all[32:]
}

func timing(span ptrace.Span) (time.Time, float64) {
	start, end := span.StartTimestamp(), span.EndTimestamp()
	return time.Unix(0, int64(start)).UTC(), float64(end-start) / 1e6
}

// extraAttrs keeps the span attributes that map to no field, for drill-down:
// at most maxAttrs, the smallest keys first so the choice does not depend on
// attribute order, each key and value cut to maxValueLen bytes.
func (n *Normalizer) extraAttrs(m pcommon.Map, count int, truncated *int) []schemas.Attr {
	if count == 0 || n.maxAttrs <= 0 {
		return nil
	}
	out := make([]schemas.Attr, 0, min(count, n.maxAttrs))
	for k, v := range m.All() {
		if key := keyOf(k); key != keyUnknown && key < keyStoredEnd {
			continue
		}
		k = n.cut(k, truncated)
		full := len(out) == n.maxAttrs
		if full && k >= out[len(out)-1].Key {
			continue
		}
		i := len(out)
		for i > 0 && out[i-1].Key > k {
			i--
		}
		if !full {
			out = append(out, schemas.Attr{})
		}
		copy(out[i+1:], out[i:len(out)-1])
		out[i] = schemas.Attr{Key: k, Value: n.cut(v.AsString(), truncated)}
	}
	return out
}

// cut truncates s to maxValueLen bytes and counts it when it had to.
func (n *Normalizer) cut(s string, truncated *int) string {
	if len(s) <= n.maxValueLen {
		return s
	}
	*truncated++
	return truncate(s, n.maxValueLen)
}

// first3 returns the first set tristate.
func first3(a, b tristate) tristate {
	if a != unset {
		return a
	}
	return b
}

// resourceCtx is one ResourceSpans: its parsed attributes and what is
// derived from them once for all its spans.
type resourceCtx struct {
	rs  ptrace.ResourceSpans
	res attrSet

	resRuntime     string
	resRuntimeDone bool
	truncated      int // attribute keys and values cut, for Result.Truncated
	tenant         string
}

// runtime is "process.runtime.name process.runtime.version", else the SDK
// language. The resource's answer is computed once per resource.
func (r *resourceCtx) runtime(sp *attrSet) string {
	if sp.runtimeName != "" || sp.runtimeVersion != "" || sp.sdkLanguage != "" {
		return runtimeOf(first(sp.runtimeName, r.res.runtimeName), first(sp.runtimeVersion, r.res.runtimeVersion),
			first(sp.sdkLanguage, r.res.sdkLanguage))
	}
	if !r.resRuntimeDone {
		r.resRuntime = runtimeOf(r.res.runtimeName, r.res.runtimeVersion, r.res.sdkLanguage)
		r.resRuntimeDone = true
	}
	return r.resRuntime
}

func runtimeOf(name, version, lang string) string {
	switch {
	case name != "" && version != "":
		return name + " " + version
	case name != "":
		return name
	}
	return lang
}

// provider is the caller's cloud provider, for a CLIENT span.
func (r *resourceCtx) provider(sp *attrSet) string {
	if p := first(sp.provider, r.res.provider); p != "" {
		return p
	}
	if p := providerOf(normalizePlatform(first(sp.platform, r.res.platform))); p != "" {
		return p
	}
	if r.res.invokedProvider != "" {
		return r.res.invokedProvider
	}
	if _, ok := parseLambdaARN(first(r.res.resourceID, r.res.faasID)); ok {
		return "aws"
	}
	return ""
}

// account is the caller's account, for a CLIENT span: from the span or the
// resource, else from the parent span or another SERVER span of the same
// resource. Node's Lambda instrumentation puts cloud.account.id on the
// invocation span only (telemetry fixture 3).
func (r *resourceCtx) account(span ptrace.Span, sp *attrSet) string {
	if a := first(sp.account, accountOf(&r.res)); a != "" {
		return a
	}
	parent := span.ParentSpanID()
	sss := r.rs.ScopeSpans()
	// Two passes: the parent span if it is in this batch, else any SERVER span.
	for pass := 0; pass < 2; pass++ {
		if pass == 0 && parent.IsEmpty() {
			continue
		}
		for i := 0; i < sss.Len(); i++ {
			spans := sss.At(i).Spans()
			for j := 0; j < spans.Len(); j++ {
				s := spans.At(j)
				if (pass == 0 && s.SpanID() != parent) || (pass == 1 && s.Kind() != ptrace.SpanKindServer) {
					continue
				}
				var a attrSet
				a.read(s.Attributes())
				if acct := accountOf(&a); acct != "" {
					return acct
				}
			}
		}
	}
	return ""
}

// accountOf is the account one attribute set names, directly or inside a
// resource id.
func accountOf(a *attrSet) string {
	if a.account != "" {
		return a.account
	}
	rid := first(a.resourceID, a.faasID, a.resourceDotID)
	if arn, ok := parseLambdaARN(rid); ok {
		return arn.account
	}
	return accountFromResourceID(rid)
}

// Rejections.

type rejectKind uint8

const (
	rejectNone rejectKind = iota
	rejectTraceID
	rejectSpanID
	rejectNoTime
	rejectStartRange
	rejectEndRange
	rejectEndBeforeStart
	rejectKinds
)

// validate checks what every record needs: ids and a storable time range.
func validate(span ptrace.Span) rejectKind {
	start, end := span.StartTimestamp(), span.EndTimestamp()
	switch {
	case span.TraceID().IsEmpty():
		return rejectTraceID
	case span.SpanID().IsEmpty():
		return rejectSpanID
	case start == 0 || end == 0:
		return rejectNoTime
	case !storable(start):
		return rejectStartRange
	case !storable(end):
		return rejectEndRange
	case end < start:
		return rejectEndBeforeStart
	}
	return rejectNone
}

// storable reports whether a timestamp fits a ClickHouse DateTime. Values
// past int64 would wrap in time.Unix, so they are refused first.
func storable(ts pcommon.Timestamp) bool {
	return int64(ts) >= 0 && schemas.InDateTimeRange(time.Unix(0, int64(ts)))
}

// reject counts a bad span and keeps one message per kind of problem; the
// messages go back to the exporter in the OTLP partial-success answer.
func (st *state) reject(kind rejectKind, span ptrace.Span) {
	st.res.Rejected++
	st.res.RejectedBy[kind]++
	if st.seenRe[kind] || len(st.res.RejectReasons) >= maxRejectReasons {
		return
	}
	st.seenRe[kind] = true
	st.res.RejectReasons = append(st.res.RejectReasons, rejectMessage(kind, span))
}

func rejectMessage(kind rejectKind, span ptrace.Span) string {
	sid, tid := span.SpanID(), span.TraceID()
	who := "span " + hex.EncodeToString(sid[:4]) + "..: "
	if kind == rejectSpanID {
		who = "span in trace " + hex.EncodeToString(tid[:4]) + "..: "
	}
	switch kind {
	case rejectTraceID:
		return who + "empty trace id"
	case rejectSpanID:
		return who + "empty span id"
	case rejectNoTime:
		return who + "start or end time missing"
	case rejectStartRange:
		return who + "start time " + describeTime(span.StartTimestamp()) + " outside 1970..2106"
	case rejectEndRange:
		return who + "end time " + describeTime(span.EndTimestamp()) + " outside 1970..2106"
	case rejectEndBeforeStart:
		return who + "end time before start time"
	}
	return who + "invalid"
}

func describeTime(ts pcommon.Timestamp) string {
	// Seconds first: times past 2262 do not fit int64 nanoseconds.
	return time.Unix(int64(uint64(ts)/1e9), int64(uint64(ts)%1e9)).UTC().Format("2006-01-02")
}
