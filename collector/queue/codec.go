package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/faascope/faascope/schemas"
)

// recordVersion is the first byte of every encoded record. A change to the
// field list gets a new version; DecodeRecord keeps reading the old ones so a
// queue written by an older binary still drains after an upgrade.
const recordVersion = 1

// ErrMalformed is wrapped by every DecodeRecord error.
var ErrMalformed = errors.New("malformed record")

// AppendRecord appends the version-1 encoding of rec to dst and returns the
// extended slice. Strings are a uvarint length and the bytes, integers are
// uvarints, floats their IEEE-754 bits, Start is Unix seconds (varint) plus
// nanoseconds; enums are stored as their strings so an unknown value survives
// a round trip. The location and monotonic reading of Start are not kept: it
// decodes as the same instant in UTC.
func AppendRecord(dst []byte, rec *schemas.Invocation) []byte {
	dst = append(dst, recordVersion)
	dst = appendStrings(dst, rec.Tenant, rec.Provider, rec.Platform, rec.Region, rec.AccountID,
		rec.FunctionName, rec.FunctionID, rec.InvokedARN, rec.Version, rec.Runtime, rec.Architecture)
	dst = binary.AppendUvarint(dst, uint64(rec.MemoryMB))
	dst = appendStrings(dst, rec.InstanceID, rec.InvocationID, rec.TraceID, rec.SpanID,
		rec.ServiceName, rec.Trigger)
	dst = binary.AppendVarint(dst, rec.Start.Unix())
	dst = binary.AppendUvarint(dst, uint64(rec.Start.Nanosecond()))
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(rec.DurationMs))
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(rec.InitDurationMs))
	dst = binary.AppendUvarint(dst, uint64(rec.BilledDurationMs))
	dst = binary.AppendUvarint(dst, uint64(rec.BilledMemoryMB))
	dst = appendStrings(dst, rec.BillingPlan, string(rec.Type), string(rec.Outcome), rec.ErrorType)
	dst = binary.AppendUvarint(dst, uint64(rec.HTTPStatus))
	dst = append(dst, boolByte(rec.ColdStart))
	dst = appendStrings(dst, string(rec.ColdStartSource))
	dst = binary.AppendUvarint(dst, uint64(len(rec.Attrs)))
	for _, a := range rec.Attrs {
		dst = appendStrings(dst, a.Key, a.Value)
	}
	return dst
}

func appendStrings(dst []byte, ss ...string) []byte {
	for _, s := range ss {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// DecodeRecord decodes one record written by AppendRecord. It accepts any
// input without panicking: every length is checked against the bytes left,
// so it allocates at most a small multiple of len(b), and any damage, unknown
// version or trailing byte is an error wrapping ErrMalformed. The returned
// record does not alias b.
func DecodeRecord(b []byte) (schemas.Invocation, error) {
	if len(b) == 0 {
		return schemas.Invocation{}, fmt.Errorf("empty input: %w", ErrMalformed)
	}
	if b[0] != recordVersion {
		return schemas.Invocation{}, fmt.Errorf("unknown version %d: %w", b[0], ErrMalformed)
	}
	d := decoder{b: b, s: string(b), pos: 1}
	rec := d.record()
	if d.err == nil && d.pos != len(b) {
		d.fail("%d trailing bytes", len(b)-d.pos)
	}
	if d.err != nil {
		return schemas.Invocation{}, d.err
	}
	return rec, nil
}

// decoder reads fields in order and remembers the first error, so record can
// read straight through and check once. Strings are cut from s, one copy of
// the input, which costs one allocation per record instead of one per field.
type decoder struct {
	b   []byte
	s   string
	pos int
	err error
}

func (d *decoder) record() schemas.Invocation {
	var r schemas.Invocation
	for _, f := range []*string{&r.Tenant, &r.Provider, &r.Platform, &r.Region, &r.AccountID,
		&r.FunctionName, &r.FunctionID, &r.InvokedARN, &r.Version, &r.Runtime, &r.Architecture} {
		*f = d.str()
	}
	r.MemoryMB = uint32(d.uvarint(math.MaxUint32))
	for _, f := range []*string{&r.InstanceID, &r.InvocationID, &r.TraceID, &r.SpanID,
		&r.ServiceName, &r.Trigger} {
		*f = d.str()
	}
	r.Start = d.time()
	r.DurationMs = d.float()
	r.InitDurationMs = d.float()
	r.BilledDurationMs = uint32(d.uvarint(math.MaxUint32))
	r.BilledMemoryMB = uint32(d.uvarint(math.MaxUint32))
	r.BillingPlan = d.str()
	r.Type = schemas.RecordType(d.str())
	r.Outcome = schemas.Outcome(d.str())
	r.ErrorType = d.str()
	r.HTTPStatus = uint16(d.uvarint(math.MaxUint16))
	r.ColdStart = d.uvarint(1) == 1
	r.ColdStartSource = schemas.ColdStartSource(d.str())
	r.Attrs = d.attrs()
	return r
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("at byte %d: %s: %w", d.pos, fmt.Sprintf(format, args...), ErrMalformed)
	}
}

// uvarint reads an unsigned varint no larger than limit.
func (d *decoder) uvarint(limit uint64) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.pos:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	if v > limit {
		d.fail("value %d exceeds %d", v, limit)
		return 0
	}
	d.pos += n
	return v
}

func (d *decoder) str() string {
	n := int(d.uvarint(MaxRecordBytes))
	if d.err != nil {
		return ""
	}
	if n > len(d.b)-d.pos {
		d.fail("string of %d bytes, %d left", n, len(d.b)-d.pos)
		return ""
	}
	s := d.s[d.pos : d.pos+n]
	d.pos += n
	return s
}

func (d *decoder) float() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.b)-d.pos < 8 {
		d.fail("short float")
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b[d.pos:])
	d.pos += 8
	return math.Float64frombits(v)
}

func (d *decoder) time() time.Time {
	if d.err != nil {
		return time.Time{}
	}
	sec, n := binary.Varint(d.b[d.pos:])
	if n <= 0 {
		d.fail("bad varint")
		return time.Time{}
	}
	d.pos += n
	nanos := d.uvarint(999_999_999)
	return time.Unix(sec, int64(nanos)).UTC()
}

func (d *decoder) attrs() []schemas.Attr {
	// Each attribute takes at least two bytes (two empty strings), which
	// bounds the allocation by the input size.
	n := int(d.uvarint(uint64(len(d.b)-d.pos) / 2))
	if d.err != nil || n == 0 {
		return nil
	}
	attrs := make([]schemas.Attr, n)
	for i := range attrs {
		attrs[i] = schemas.Attr{Key: d.str(), Value: d.str()}
	}
	return attrs
}
