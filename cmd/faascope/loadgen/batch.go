package loadgen

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// role says which process emitted a group of spans.
type role uint8

const (
	roleFunction     role = iota // the function's own SDK
	roleWorker                   // the Azure isolated worker
	roleTelemetryAPI             // the Lambda layer's Telemetry API receiver
	roleCaller                   // a client that invokes the function
)

// groupKey is one resource + scope within an export request: spans of the
// same process travel together, as a real SDK batches them.
type groupKey struct {
	fn   int
	inst *Instance
	role role
}

// batchBuilder collects the spans of consecutive events into one OTLP export request.
type batchBuilder struct {
	td     ptrace.Traces
	groups map[groupKey]ptrace.SpanSlice
	spans  int
}

func newBatchBuilder() *batchBuilder {
	return &batchBuilder{td: ptrace.NewTraces(), groups: map[groupKey]ptrace.SpanSlice{}}
}

// newSpan appends a span to the group of key, creating the group's resource
// and scope on first use, and counts it.
func (b *batchBuilder) newSpan(key groupKey, scope, schemaURL string, resource func(pcommon.Map)) ptrace.Span {
	b.spans++
	return b.group(key, scope, schemaURL, resource).AppendEmpty()
}

func (b *batchBuilder) group(key groupKey, scope, schemaURL string, resource func(pcommon.Map)) ptrace.SpanSlice {
	if spans, ok := b.groups[key]; ok {
		return spans
	}
	rs := b.td.ResourceSpans().AppendEmpty()
	resource(rs.Resource().Attributes())
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName(scope)
	ss.SetSchemaUrl(schemaURL)
	b.groups[key] = ss.Spans()
	return ss.Spans()
}

// add appends the spans of one event.
func (b *batchBuilder) add(ev *Event) {
	if ev.Throttled {
		throttleSpan(b, ev)
		return
	}
	f := ev.Fn
	sh := shapes[f.Shape]
	inst := ev.Instance
	sp := b.newSpan(groupKey{fn: ev.FnIndex, inst: inst, role: roleFunction}, sh.scope, sh.schema,
		func(m pcommon.Map) { sh.resource(f, inst, m) })
	sp.SetTraceID(ev.ids.traceID())
	sp.SetSpanID(ev.ids.spanID())
	sp.SetStartTimestamp(pcommon.NewTimestampFromTime(ev.Start))
	sp.SetEndTimestamp(pcommon.NewTimestampFromTime(ev.End()))
	sh.span(ev, sp, ev.ids)
	if sh.extra != nil {
		sh.extra(b, ev, sp)
	}
}

// take returns the request built so far and starts a new one.
func (b *batchBuilder) take() ptrace.Traces {
	td := b.td
	b.td = ptrace.NewTraces()
	clear(b.groups)
	b.spans = 0
	return td
}

// spanCount is the number of spans in the request being built, kept as
// spans are added: counting the request walks every group.
func (b *batchBuilder) spanCount() int { return b.spans }
