package collector

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// attrKey identifies an attribute the normalizer understands. Keys before
// keyStoredEnd land in a record field, so they are not repeated in the
// record's extra attributes; keys after it are read (to find a throttle's
// callee) but still kept for drill-down.
type attrKey uint8

const (
	keyUnknown attrKey = iota
	keyPlatform
	keyProvider
	keyRegion
	keyAccount
	keyResourceID    // cloud.resource_id (semconv >= 1.19)
	keyFaaSID        // faas.id (semconv < 1.19, instrumentation-aws-lambda < 0.72)
	keyResourceDotID // cloud.resource.id: the Azure Functions host's misspelling (telemetry §2.6)
	keyInvokedARN    // aws.lambda.invoked_arn
	keyName
	keyServiceName
	keyVersion
	keyInstance
	keyInvocationID // faas.invocation_id (semconv >= 1.19)
	keyExecution    // faas.execution (older name, still sent by layers and the Azure worker)
	keyTrigger
	keyColdStart
	keyMaxMemory
	keyRuntimeName
	keyRuntimeVersion
	keySDKLanguage
	keyArch
	keyErrorType
	keyExceptionType
	keyPlan
	keyInitDuration
	keyInvokedName
	keyInvokedProvider
	keyInvokedRegion
	keyHTTPStatus    // http.response.status_code (stable HTTP semconv)
	keyOldHTTPStatus // http.status_code (old name: Python, botocore)
	keyStoredEnd
	keyURLFull
	keyHTTPURL
	keyServerAddress
)

// keyOf maps an attribute name to its attrKey. A switch on strings compiles to
// a length-then-value search, which is cheaper than a map lookup per attribute.
func keyOf(k string) attrKey {
	switch k {
	case "cloud.platform":
		return keyPlatform
	case "cloud.provider":
		return keyProvider
	case "cloud.region":
		return keyRegion
	case "cloud.account.id":
		return keyAccount
	case "cloud.resource_id":
		return keyResourceID
	case "faas.id":
		return keyFaaSID
	case "cloud.resource.id":
		return keyResourceDotID
	case "aws.lambda.invoked_arn":
		return keyInvokedARN
	case "faas.name":
		return keyName
	case "service.name":
		return keyServiceName
	case "faas.version":
		return keyVersion
	case "faas.instance":
		return keyInstance
	case "faas.invocation_id":
		return keyInvocationID
	case "faas.execution":
		return keyExecution
	case "faas.trigger":
		return keyTrigger
	case "faas.coldstart":
		return keyColdStart
	case "faas.max_memory":
		return keyMaxMemory
	case "process.runtime.name":
		return keyRuntimeName
	case "process.runtime.version":
		return keyRuntimeVersion
	case "telemetry.sdk.language":
		return keySDKLanguage
	case "host.arch":
		return keyArch
	case "error.type":
		return keyErrorType
	case "exception.type":
		return keyExceptionType
	case "faascope.plan":
		return keyPlan
	case "faascope.init_duration_ms":
		return keyInitDuration
	case "faas.invoked_name":
		return keyInvokedName
	case "faas.invoked_provider":
		return keyInvokedProvider
	case "faas.invoked_region":
		return keyInvokedRegion
	case "http.response.status_code":
		return keyHTTPStatus
	case "http.status_code":
		return keyOldHTTPStatus
	case "url.full":
		return keyURLFull
	case "http.url":
		return keyHTTPURL
	case "server.address":
		return keyServerAddress
	}
	return keyUnknown
}

// tristate is a boolean attribute that may be absent.
type tristate uint8

const (
	unset tristate = iota
	isFalse
	isTrue
)

// attrSet is what one attribute map (a span's or a resource's) says, read in
// one pass. Old and new names are kept apart so that the caller can prefer the
// span over the resource first and the new name over the old one second.
type attrSet struct {
	platform, provider, region, account         string
	resourceID, faasID, resourceDotID, invoked  string
	name, serviceName, version, instance        string
	invocationID, execution, trigger            string
	runtimeName, runtimeVersion, sdkLanguage    string
	arch, errorType, exceptionType, plan        string
	invokedName, invokedProvider, invokedRegion string
	urlFull, httpURL, serverAddress             string
	memoryMB                                    uint32
	cold                                        tristate
	httpStatus, oldHTTPStatus                   uint16
	initMs                                      float64
	extra                                       int // attributes that map to no record field
}

// read fills a from m. Unknown value types never fail: they read as "absent".
func (a *attrSet) read(m pcommon.Map) {
	for k, v := range m.All() {
		key := keyOf(k)
		if key == keyUnknown || key > keyStoredEnd {
			a.extra++
		}
		a.set(key, v)
	}
}

func (a *attrSet) set(key attrKey, v pcommon.Value) {
	switch key {
	case keyPlatform:
		a.platform = str(v)
	case keyProvider:
		a.provider = str(v)
	case keyRegion:
		a.region = str(v)
	case keyAccount:
		a.account = str(v)
	case keyResourceID:
		a.resourceID = str(v)
	case keyFaaSID:
		a.faasID = str(v)
	case keyResourceDotID:
		a.resourceDotID = str(v)
	case keyInvokedARN:
		a.invoked = str(v)
	case keyName:
		a.name = str(v)
	case keyServiceName:
		a.serviceName = str(v)
	case keyVersion:
		a.version = str(v)
	case keyInstance:
		a.instance = str(v)
	case keyInvocationID:
		a.invocationID = str(v)
	case keyExecution:
		a.execution = str(v)
	case keyTrigger:
		a.trigger = str(v)
	case keyColdStart:
		a.cold = boolValue(v)
	case keyMaxMemory:
		a.memoryMB = memoryMB(v)
	case keyRuntimeName:
		a.runtimeName = str(v)
	case keyRuntimeVersion:
		a.runtimeVersion = str(v)
	case keySDKLanguage:
		a.sdkLanguage = str(v)
	case keyArch:
		a.arch = str(v)
	case keyErrorType:
		a.errorType = str(v)
	case keyExceptionType:
		a.exceptionType = str(v)
	case keyPlan:
		a.plan = str(v)
	case keyInitDuration:
		a.initMs = floatValue(v)
	case keyInvokedName:
		a.invokedName = str(v)
	case keyInvokedProvider:
		a.invokedProvider = str(v)
	case keyInvokedRegion:
		a.invokedRegion = str(v)
	case keyHTTPStatus:
		a.httpStatus = httpStatus(v)
	case keyOldHTTPStatus:
		a.oldHTTPStatus = httpStatus(v)
	case keyURLFull:
		a.urlFull = str(v)
	case keyHTTPURL:
		a.httpURL = str(v)
	case keyServerAddress:
		a.serverAddress = str(v)
	}
}

// str reads any value as a string. String values cost nothing; other types
// (an int faas.version, say) are formatted, which allocates but is rare.
func str(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str()
	case pcommon.ValueTypeEmpty, pcommon.ValueTypeMap, pcommon.ValueTypeSlice, pcommon.ValueTypeBytes:
		return "" // never an identity value; keeps junk out of the key columns
	}
	return v.AsString()
}

// intValue reads an int sent as int, double or decimal string (OTLP/JSON
// writers disagree, telemetry §6).
func intValue(v pcommon.Value) (int64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int(), true
	case pcommon.ValueTypeDouble:
		f := v.Double()
		if f != f || f < math.MinInt64 || f > math.MaxInt64 {
			return 0, false
		}
		return int64(f), true
	case pcommon.ValueTypeStr:
		s := strings.TrimSpace(v.Str())
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f >= math.MinInt64 && f <= math.MaxInt64 {
			return int64(f), true
		}
	}
	return 0, false
}

func floatValue(v pcommon.Value) float64 {
	var f float64
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		f = v.Double()
	case pcommon.ValueTypeInt:
		f = float64(v.Int())
	case pcommon.ValueTypeStr:
		f, _ = strconv.ParseFloat(strings.TrimSpace(v.Str()), 64)
	}
	if f > 0 && f < math.MaxUint32 { // also rejects NaN and Inf
		return f
	}
	return 0
}

// boolValue accepts a bool or the strings "true"/"false" (any case).
func boolValue(v pcommon.Value) tristate {
	switch v.Type() {
	case pcommon.ValueTypeBool:
		if v.Bool() {
			return isTrue
		}
		return isFalse
	case pcommon.ValueTypeStr:
		switch s := strings.TrimSpace(v.Str()); {
		case strings.EqualFold(s, "true"):
			return isTrue
		case strings.EqualFold(s, "false"):
			return isFalse
		}
	}
	return unset
}

// maxLambdaMemoryMB is the largest Lambda memory size. faas.max_memory comes
// as int bytes (Node AWS detector, semconv >= 1.19), int MB (Python detector),
// string MB (Telemetry API receiver, Azure JS detector) or not at all
// (telemetry §2.8.5): no real function has more than 10,240 MB or less than
// 10,241 bytes, so the size tells the unit.
const maxLambdaMemoryMB = 10240

// memoryMB normalises faas.max_memory to MiB; 0 means unknown.
func memoryMB(v pcommon.Value) uint32 {
	n, ok := intValue(v)
	switch {
	case !ok || n <= 0:
		return 0
	case n <= maxLambdaMemoryMB:
		return uint32(n)
	}
	mb := (n + 1<<19) >> 20 // bytes to MiB, rounded to nearest
	return uint32(min(mb, math.MaxUint32))
}

// httpStatus keeps plausible HTTP status codes only.
func httpStatus(v pcommon.Value) uint16 {
	if n, ok := intValue(v); ok && n >= 100 && n <= 599 {
		return uint16(n)
	}
	return 0
}

// first returns the first non-empty string.
func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// lambdaARN is a parsed function ARN,
// arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>].
type lambdaARN struct {
	region, account, name string
	unqualified           string // the first 7 fields: the ARN without alias or version
}

// parseLambdaARN parses s without allocating; ok is false for anything that
// is not a Lambda function ARN.
func parseLambdaARN(s string) (a lambdaARN, ok bool) {
	if !strings.HasPrefix(s, "arn:") {
		return a, false
	}
	var f [7]string
	rest := s
	end := 0
	for i := range f {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			if i != 6 {
				return a, false
			}
			f[i], end = rest, len(s)
			break
		}
		f[i], rest = rest[:j], rest[j+1:]
		end += j + 1
		if i == 6 {
			end-- // drop the ':' before the qualifier
		}
	}
	if f[2] != "lambda" || f[5] != "function" || f[6] == "" {
		return a, false
	}
	return lambdaARN{region: f[3], account: f[4], name: f[6], unqualified: s[:end]}, true
}

// armSegment returns the path segment after "/<key>/" in a resource path such
// as an Azure ARM ID (/subscriptions/<id>/.../sites/<app>/functions/<f>) or a
// GCP resource name (//run.googleapis.com/projects/<p>/locations/<l>/...).
// ARM IDs are case-insensitive, so the key is matched ignoring case.
func armSegment(id, key string) string {
	for rest := id; rest != ""; {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			return ""
		}
		rest = rest[i+1:]
		seg, after, _ := strings.Cut(rest, "/")
		if strings.EqualFold(seg, key) {
			v, _, _ := strings.Cut(after, "/")
			return v
		}
	}
	return ""
}

// accountFromResourceID finds the account in a non-ARN resource id: the
// Azure subscription or the GCP project.
func accountFromResourceID(id string) string {
	if id == "" || id[0] != '/' {
		return ""
	}
	return first(armSegment(id, "subscriptions"), armSegment(id, "projects"))
}

// normalizePlatform maps the deprecated Azure value to the current one
// (semconv 1.35.0 renamed azure_functions to azure.functions).
func normalizePlatform(p string) string {
	if p == "azure_functions" {
		return "azure.functions"
	}
	return p
}

// isFaaSPlatform reports whether p is a function platform (telemetry §1.3).
// App Runner, Container Apps and Agent Engine are serverless but not FaaS.
func isFaaSPlatform(p string) bool {
	switch p {
	case "aws_lambda", "gcp_cloud_functions", "gcp_cloud_run", "azure.functions", "azure_functions",
		"alibaba_cloud_fc", "tencent_cloud_scf":
		return true
	}
	return false
}

// providerOf is the cloud.provider of a FaaS platform.
func providerOf(platform string) string {
	switch platform {
	case "aws_lambda":
		return "aws"
	case "gcp_cloud_functions", "gcp_cloud_run":
		return "gcp"
	case "azure.functions":
		return "azure"
	case "alibaba_cloud_fc":
		return "alibaba_cloud"
	case "tencent_cloud_scf":
		return "tencent_cloud"
	}
	return ""
}

// functionPlatformOf is the FaaS platform a provider's function calls land
// on when nothing more specific is known (a faas.invoked_provider, say).
func functionPlatformOf(provider string) string {
	switch provider {
	case "aws":
		return "aws_lambda"
	case "gcp":
		return "gcp_cloud_functions"
	case "azure":
		return "azure.functions"
	case "alibaba_cloud":
		return "alibaba_cloud_fc"
	case "tencent_cloud":
		return "tencent_cloud_scf"
	}
	return ""
}

// normalizeArch maps host.arch spellings to the two Lambda architectures;
// anything else is not a priced architecture and reads as unknown.
func normalizeArch(a string) string {
	switch strings.ToLower(a) {
	case "amd64", "x86_64", "x86-64", "x64":
		return "x86_64"
	case "arm64", "aarch64":
		return "arm64"
	}
	return ""
}
