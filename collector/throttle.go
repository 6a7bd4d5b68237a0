package collector

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Throttles (telemetry §4): the platform refuses the call before the function
// runs, so the callee emits no span at all. Only the caller's CLIENT span shows
// it, and the record is attributed to the callee.

// isThrottleType reports whether an error or exception type names a throttle.
// Python records qualified names (botocore.errorfactory.TooManyRequestsException),
// so only the last dotted part is compared.
func isThrottleType(t string) bool {
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		t = t[i+1:]
	}
	switch t {
	case "TooManyRequestsException", "ThrottlingException", "Throttling", "ProvisionedThroughputExceededException":
		return true
	}
	return false
}

// isThrottle applies the §4 detection rule to a CLIENT span: a 429, a throttle
// error or exception type, or AWS's "Rate Exceeded" message. The status code
// matters most: instrumentation-http sets no message and no error.type.
func isThrottle(span ptrace.Span, sp *attrSet) bool {
	if sp.httpStatus == 429 || sp.oldHTTPStatus == 429 ||
		isThrottleType(sp.errorType) || isThrottleType(sp.exceptionType) {
		return true
	}
	msg := span.Status().Message()
	if strings.Contains(msg, "Rate Exceeded") || strings.Contains(msg, "Rate exceeded") {
		return true
	}
	evs := span.Events()
	for i := 0; i < evs.Len(); i++ {
		if t, ok := evs.At(i).Attributes().Get("exception.type"); ok && isThrottleType(t.Str()) {
			return true
		}
	}
	return false
}

// callee is the function a throttled call was meant for.
type callee struct {
	provider, platform, region, account string
	name, functionID, invokedARN        string
}

// calleeOf identifies the callee of a throttled CLIENT span, from
// faas.invoked_name when the instrumentation set it (AWS SDKs), else from the
// URL of a Google-hosted function. ok is false for anything else: a 429 from
// some HTTP API is not a FaaS throttle.
func calleeOf(span ptrace.Span, sp *attrSet, caller *resourceCtx) (c callee, ok bool) {
	if sp.invokedName != "" {
		c = calleeFromInvokedName(sp)
	} else if c, ok = calleeFromURL(first(sp.urlFull, sp.httpURL, sp.serverAddress)); !ok {
		return c, false
	}
	if c.provider == "" {
		c.provider = caller.provider(sp)
	}
	if c.platform == "" {
		c.platform = functionPlatformOf(c.provider)
	}
	// The span's own cloud.region on an SDK client span is the region the
	// request went to, whoever made it.
	c.region = first(c.region, sp.invokedRegion, sp.region)
	// What is not derivable is taken from the caller, within one provider
	// only: AWS resolves a bare function name in the caller's account and
	// region; for Google we assume the callee runs in the caller's project and
	// region (a run.app host carries only a region code, a project number is
	// not the project id); Azure likewise within one subscription.
	if c.provider == caller.provider(sp) {
		c.region = first(c.region, caller.res.region, caller.res.invokedRegion)
		if c.account == "" {
			c.account = caller.account(span, sp)
		}
	}
	if c.functionID == "" && c.provider == "aws" && c.region != "" && c.account != "" {
		c.functionID = "arn:" + awsPartition(c.region) + ":lambda:" + c.region + ":" + c.account + ":function:" + c.name
	}
	return c, true
}

// calleeFromInvokedName reads faas.invoked_name, which the Lambda Invoke API
// accepts as a name, name:qualifier, a partial ARN
// (<account>:function:<name>[:qualifier]) or a full ARN.
func calleeFromInvokedName(sp *attrSet) callee {
	c := callee{provider: sp.invokedProvider}
	n := sp.invokedName
	if a, ok := parseLambdaARN(n); ok {
		c.name, c.region, c.account, c.functionID, c.invokedARN = a.name, a.region, a.account, a.unqualified, n
		c.provider = first(c.provider, "aws")
		return c
	}
	if acct, rest, ok := strings.Cut(n, ":function:"); ok {
		c.account, n = acct, rest
	}
	c.name, _, _ = strings.Cut(n, ":")
	return c
}

// calleeFromURL recognises Google's function endpoints (telemetry §4 and §2.7):
//
//	https://<service>-<hash>-<regioncode>.a.run.app        Cloud Run, legacy URL
//	https://<service>-<projectnumber>.<region>.run.app     Cloud Run, deterministic URL
//	https://<region>-<project>.cloudfunctions.net/<function> Cloud Functions
func calleeFromURL(u string) (callee, bool) {
	host, path := splitURL(u)
	c := callee{provider: "gcp"}
	switch {
	case hasSuffixFold(host, ".a.run.app"):
		label := host[:len(host)-len(".a.run.app")]
		name, ok := trimDashParts(label, 2)
		if !ok || strings.IndexByte(label, '.') >= 0 {
			return c, false
		}
		c.platform, c.name = "gcp_cloud_run", name
	case hasSuffixFold(host, ".run.app"):
		label, region, ok := strings.Cut(host[:len(host)-len(".run.app")], ".")
		i := strings.LastIndexByte(label, '-')
		if !ok || i <= 0 || !isDigits(label[i+1:]) || region == "" || strings.IndexByte(region, '.') >= 0 {
			return c, false
		}
		c.platform, c.name, c.region = "gcp_cloud_run", label[:i], region
	case hasSuffixFold(host, ".cloudfunctions.net"):
		label := host[:len(host)-len(".cloudfunctions.net")]
		region, project, ok := splitRegionProject(label)
		fn, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		if !ok || fn == "" {
			return c, false
		}
		c.platform, c.name, c.region, c.account = "gcp_cloud_functions", fn, region, project
	default:
		return c, false
	}
	return c, true
}

// splitURL returns the host (without userinfo and port) and the path of an
// absolute URL, or of a bare host such as server.address.
func splitURL(u string) (host, path string) {
	if _, rest, ok := strings.Cut(u, "://"); ok {
		u = rest
	}
	host = u
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		host = u[:i]
		if u[i] == '/' {
			path = u[i:]
			if j := strings.IndexAny(path, "?#"); j >= 0 {
				path = path[:j]
			}
		}
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return host, path
}

// trimDashParts drops the last n '-'-separated parts of s; ok is false when
// fewer than n+1 non-empty parts would remain.
func trimDashParts(s string, n int) (string, bool) {
	for range n {
		i := strings.LastIndexByte(s, '-')
		if i <= 0 {
			return "", false
		}
		s = s[:i]
	}
	return s, s != ""
}

// splitRegionProject splits "<region>-<project>"; every GCP region has the
// form <area>-<direction><n> (us-central1, europe-west1), i.e. two parts.
func splitRegionProject(s string) (region, project string, ok bool) {
	i := strings.IndexByte(s, '-')
	if i <= 0 {
		return "", "", false
	}
	j := strings.IndexByte(s[i+1:], '-')
	if j <= 0 {
		return "", "", false
	}
	region, project = s[:i+1+j], s[i+2+j:]
	last := region[len(region)-1]
	return region, project, project != "" && last >= '0' && last <= '9'
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// awsPartition is the ARN partition of a region.
func awsPartition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// botocoreErrorCode extracts the code from botocore's message "An error
// occurred (TooManyRequestsException) when calling the Invoke operation ...",
// for spans that carry no error.type or exception event.
func botocoreErrorCode(msg string) string {
	_, rest, ok := strings.Cut(msg, "An error occurred (")
	if !ok {
		return ""
	}
	code, _, ok := strings.Cut(rest, ")")
	if !ok || strings.ContainsAny(code, " \t") {
		return ""
	}
	return code
}
