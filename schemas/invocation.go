package schemas

import "time"

// RecordType says what one row of the invocations table stands for.
type RecordType string

const (
	// RecordInvocation is one execution of a function, built from its SERVER span.
	RecordInvocation RecordType = "invocation"
	// RecordThrottle is one call the platform refused before the function ran,
	// seen only on the caller's CLIENT span and attributed to the callee.
	RecordThrottle RecordType = "throttle"
	// RecordInit is an initialisation phase reported on its own (the Lambda
	// Telemetry API receiver's "init <function>" span). It is evidence of a cold
	// start and carries the init duration; it is not an invocation.
	RecordInit RecordType = "init"
)

// Outcome is how an invocation ended.
type Outcome string

const (
	OutcomeOK        Outcome = "ok"
	OutcomeError     Outcome = "error"
	OutcomeTimeout   Outcome = "timeout"
	OutcomeThrottled Outcome = "throttled"
)

// ColdStartSource says where a row's cold-start flag came from.
type ColdStartSource string

const (
	// ColdUnknown: the span said nothing; ClickHouse may still infer a cold start
	// from the first invocation seen for the row's instance (see the instances table).
	ColdUnknown ColdStartSource = "unknown"
	// ColdExplicit: the span carried faas.coldstart.
	ColdExplicit ColdStartSource = "explicit"
	// ColdInitSpan: the row is an init span (RecordInit).
	ColdInitSpan ColdStartSource = "init_span"
	// ColdPlatformReport: a platform report (Lambda REPORT / Telemetry API) said so.
	ColdPlatformReport ColdStartSource = "platform_report"
	// ColdInferred: set by readers, never by the collector; kept in the enum so
	// query results and stored rows share one vocabulary.
	ColdInferred ColdStartSource = "inferred"
)

// DefaultTenant is the tenant of every record when authentication is off.
const DefaultTenant = "default"

// Attr is one extra span or resource attribute kept for drill-down.
type Attr struct {
	Key   string
	Value string
}

// Invocation is one row of the invocations table: one function invocation, one
// throttled call, or one init phase (see RecordType). Every field is a plain
// value; the zero value of a field means "not reported".
type Invocation struct {
	// Identity.
	Tenant       string
	Provider     string // cloud.provider: aws, gcp, azure, ...
	Platform     string // cloud.platform, normalised: aws_lambda, gcp_cloud_functions, gcp_cloud_run, azure.functions, ...
	Region       string
	AccountID    string // AWS account, GCP project, Azure subscription
	FunctionName string // faas.name, then service.name, then from the resource id; never the span name
	FunctionID   string // cloud.resource_id without alias (AWS: first 7 ARN fields)
	InvokedARN   string // the resource id exactly as reported, alias included
	Version      string
	Runtime      string
	Architecture string // x86_64 or arm64 when known
	MemoryMB     uint32 // configured memory, after unit normalisation
	InstanceID   string // faas.instance
	InvocationID string // faas.invocation_id or faas.execution
	TraceID      string // lowercase hex, 32 chars
	SpanID       string // lowercase hex, 16 chars
	ServiceName  string
	Trigger      string

	// Timing.
	Start            time.Time // span start, UTC; stored as DateTime plus StartNanos
	DurationMs       float64
	InitDurationMs   float64
	BilledDurationMs uint32
	BilledMemoryMB   uint32
	BillingPlan      string // billing.Plan that metered the row

	// Outcome.
	Type       RecordType
	Outcome    Outcome
	ErrorType  string
	HTTPStatus uint16

	// Cold start.
	ColdStart       bool
	ColdStartSource ColdStartSource

	// Bounded extra attributes for drill-down.
	Attrs []Attr
}

// StartNanos is the nanosecond part of Start within its second.
func (i *Invocation) StartNanos() uint32 { return uint32(i.Start.Nanosecond()) }

// MaxDateTime is the last instant a ClickHouse DateTime column can hold. Times
// outside [MinDateTime, MaxDateTime] are silently wrapped by ClickHouse 18.16,
// so they are rejected before insert.
var (
	MinDateTime = time.Unix(0, 0).UTC()
	MaxDateTime = time.Unix(1<<32-1, 0).UTC()
)

// InDateTimeRange reports whether t can be stored in a DateTime column unchanged.
func InDateTimeRange(t time.Time) bool {
	return !t.Before(MinDateTime) && !t.After(MaxDateTime)
}
