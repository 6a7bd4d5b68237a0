package queue

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/faascope/faascope/schemas"
)

// fullRecord sets every field of schemas.Invocation to a value that is not
// its zero value (checked by TestFullRecordSetsEveryField), so a field added
// to the schema but not to the codec fails the round trip.
func fullRecord(i int) schemas.Invocation {
	return schemas.Invocation{
		Tenant: "acme", Provider: "aws", Platform: "aws_lambda", Region: "eu-west-1",
		AccountID: "123456789012", FunctionName: "checkout",
		FunctionID: "arn:aws:lambda:eu-west-1:123456789012:function:checkout",
		InvokedARN: "arn:aws:lambda:eu-west-1:123456789012:function:checkout:live",
		Version:    "$LATEST", Runtime: "nodejs20.x", Architecture: "arm64", MemoryMB: math.MaxUint32,
		InstanceID: "2024/01/01/[$LATEST]abcdef", InvocationID: "inv-" + strconv.Itoa(i),
		TraceID: "0af7651916cd43dd8448eb211c80319c", SpanID: fmt.Sprintf("b7ad6b71%08x", i),
		ServiceName: "checkout-svc", Trigger: "http",
		Start:      time.Date(2026, 3, 1, 12, 30, 45, 123456789+i, time.UTC),
		DurationMs: 123.456, InitDurationMs: 0.25, BilledDurationMs: 124, BilledMemoryMB: 1769,
		BillingPlan: "aws_lambda_arm", Type: schemas.RecordInvocation, Outcome: schemas.OutcomeTimeout,
		ErrorType: "Sandbox.Timedout", HTTPStatus: math.MaxUint16, ColdStart: true,
		ColdStartSource: schemas.ColdPlatformReport,
		Attrs:           []schemas.Attr{{Key: "http.route", Value: "/cart/{id}"}, {Key: "ünïcode", Value: ""}},
	}
}

func TestFullRecordSetsEveryField(t *testing.T) {
	v := reflect.ValueOf(fullRecord(1))
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Errorf("fullRecord leaves %s unset", v.Type().Field(i).Name)
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	cases := map[string]schemas.Invocation{
		"every field": fullRecord(7),
		"zero":        {},
		"negative unix time": {Start: time.Date(1900, 1, 1, 0, 0, 0, 999_999_999, time.UTC),
			DurationMs: math.Inf(-1), Type: "future_type", Outcome: "future_outcome"},
	}
	for name, rec := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := DecodeRecord(AppendRecord(nil, &rec))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, rec) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, rec)
			}
		})
	}
}

func TestRecordStartKeepsInstantNotZone(t *testing.T) {
	rec := fullRecord(1)
	rec.Start = time.Date(2026, 3, 1, 14, 30, 45, 5, time.FixedZone("CEST", 2*3600))
	got, err := DecodeRecord(AppendRecord(nil, &rec))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Start.Equal(rec.Start) || got.Start.Location() != time.UTC {
		t.Errorf("Start = %v, want %v in UTC", got.Start, rec.Start)
	}
}

func TestDecodeRecordRejects(t *testing.T) {
	rec := fullRecord(3)
	valid := AppendRecord(nil, &rec)
	// Every proper prefix is missing something.
	for n := range len(valid) {
		if _, err := DecodeRecord(valid[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("prefix of %d bytes: err = %v, want ErrMalformed", n, err)
		}
	}
	zero := AppendRecord(nil, &schemas.Invocation{})
	nanos := len(zero) - 1 /*attrs*/ - 1 /*source*/ - 1 /*cold*/ - 1 /*status*/ - 4 /*strings*/ - 2 /*billed*/ - 16 /*floats*/ - 1
	cases := map[string][]byte{
		"unknown version": append([]byte{2}, valid[1:]...),
		"trailing byte":   append(append([]byte{}, valid...), 0),
		"bad bool":        withByte(zero, len(zero)-3, 2),
		"nanos too large": append(append(append([]byte{}, zero[:nanos]...), 0x80, 0x94, 0xeb, 0xdc, 0x03), zero[nanos+1:]...),
		"huge string":     {1, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"huge attr count": append(append([]byte{}, zero[:len(zero)-1]...), 0xff, 0xff, 0x03),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeRecord(b); !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func withByte(b []byte, i int, v byte) []byte {
	c := append([]byte{}, b...)
	c[i] = v
	return c
}
