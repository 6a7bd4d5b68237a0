package schemas_test

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faascope/faascope/internal/chclient"
	"github.com/faascope/faascope/internal/chtest"
	"github.com/faascope/faascope/schemas"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

func migrated(t *testing.T) *chclient.Client {
	t.Helper()
	db := chtest.NewDatabase(t)
	m := &schemas.Migrator{Conn: db.Conn, DDLContext: db.DDLContext}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestMigrationsAreOrderedAndNamed(t *testing.T) {
	all, err := schemas.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 3 {
		t.Fatalf("want at least 3 migrations, got %d", len(all))
	}
	for i, m := range all {
		if m.Version != uint32(i+1) {
			t.Errorf("migration %d has version %d: versions must be 1, 2, 3, ... without gaps", i, m.Version)
		}
		for _, s := range m.Statements {
			if strings.Contains(s, "--") || strings.HasSuffix(s, ";") {
				t.Errorf("migration %d statement keeps a comment or terminator: %q", m.Version, s)
			}
		}
	}
}

func TestMigrateAppliesOnceAndRecords(t *testing.T) {
	db := chtest.NewDatabase(t)
	ctx := context.Background()
	m := &schemas.Migrator{Conn: db.Conn, DDLContext: db.DDLContext}
	first, err := m.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := schemas.Migrations()
	if len(first) != len(all) {
		t.Fatalf("first run applied %v, want all %d", first, len(all))
	}
	second, err := m.Up(ctx)
	if err != nil || len(second) != 0 {
		t.Fatalf("second run applied %v (err %v), want nothing", second, err)
	}
	var recorded uint64
	if err := db.Conn.QueryRow(ctx, "SELECT count() FROM schema_migrations").Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if recorded != uint64(len(all)) {
		t.Errorf("schema_migrations has %d rows, want %d", recorded, len(all))
	}
	want := map[string]uint64{"invocations": 1, "function_hour": 1, "function_hour_mv": 1, "function_usage_hour": 1,
		"function_usage_hour_mv": 1, "function_day": 1, "function_day_mv": 1,
		"function_usage_day": 1, "function_usage_day_mv": 1, "instance_days": 1, "job_runs": 1, "recommendations": 1, "instance_days_mv": 1,
		"instances": 0, "instances_mv": 0, "function_minute": 0, "function_minute_mv": 0,
		"function_windows": 1, "settled_windows": 1, "tenant_days": 1, "tenant_days_mv": 1}
	for table, count := range want {
		var n uint64
		err := db.Conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?", db.Database, table).Scan(&n)
		if err != nil || n != count {
			t.Errorf("table %s: %d found (err %v), want %d", table, n, err, count)
		}
	}
}

var minute = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func record(fn string, at time.Duration) schemas.Invocation {
	return schemas.Invocation{
		Tenant: "t1", Provider: "aws", Platform: "aws_lambda", Region: "us-east-1", AccountID: "123456789012",
		FunctionName: fn, Start: minute.Add(at), DurationMs: 10, BilledDurationMs: 10, BilledMemoryMB: 128,
		Type: schemas.RecordInvocation, Outcome: schemas.OutcomeOK, ColdStartSource: schemas.ColdUnknown,
		TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7",
	}
}

func TestInsertRoundTripsEveryColumn(t *testing.T) {
	db := migrated(t)
	ctx := context.Background()
	want := schemas.Invocation{
		Tenant: "t1", Provider: "aws", Platform: "aws_lambda", Region: "us-east-1", AccountID: "123456789012",
		FunctionName: "orders-api", FunctionID: "arn:aws:lambda:us-east-1:123456789012:function:orders-api",
		InvokedARN: "arn:aws:lambda:us-east-1:123456789012:function:orders-api:live", Version: "$LATEST",
		Runtime: "nodejs", Architecture: "arm64", MemoryMB: 512, InstanceID: "2026/11/22/[$LATEST]7f3c",
		InvocationID: "c0a8012e", TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7",
		ServiceName: "orders-api", Trigger: "http", Start: minute.Add(1234567891 * time.Nanosecond),
		DurationMs: 21.02193, InitDurationMs: 608, BilledDurationMs: 630, BilledMemoryMB: 512, BillingPlan: "aws_lambda",
		Type: schemas.RecordInvocation, Outcome: schemas.OutcomeTimeout, ErrorType: "TimeoutError", HTTPStatus: 504,
		ColdStart: true, ColdStartSource: schemas.ColdExplicit,
		Attrs: []schemas.Attr{{Key: "url.full", Value: "https://x/orders"}, {Key: "http.route", Value: "/orders"}},
	}
	if err := schemas.InsertInvocations(ctx, db.Conn, []schemas.Invocation{want}); err != nil {
		t.Fatal(err)
	}
	var got schemas.Invocation
	var ts time.Time
	var tsNs uint32
	var recordType, outcome, coldSource string
	var cold uint8
	var keys, values []string
	err := db.Conn.QueryRow(ctx, `SELECT tenant, provider, platform, region, account_id, function_name, function_id,
		invoked_arn, function_version, runtime, architecture, memory_mb, instance_id, invocation_id, trace_id, span_id,
		service_name, trigger_type, ts, ts_ns, duration_ms, init_duration_ms, billed_duration_ms, billed_memory_mb,
		billing_plan, record_type, outcome, error_type, http_status, cold_start, cold_start_source, attrs.key, attrs.value
		FROM invocations`).Scan(&got.Tenant, &got.Provider, &got.Platform, &got.Region, &got.AccountID, &got.FunctionName,
		&got.FunctionID, &got.InvokedARN, &got.Version, &got.Runtime, &got.Architecture, &got.MemoryMB, &got.InstanceID,
		&got.InvocationID, &got.TraceID, &got.SpanID, &got.ServiceName, &got.Trigger, &ts, &tsNs, &got.DurationMs,
		&got.InitDurationMs, &got.BilledDurationMs, &got.BilledMemoryMB, &got.BillingPlan, &recordType, &outcome,
		&got.ErrorType, &got.HTTPStatus, &cold, &coldSource, &keys, &values)
	if err != nil {
		t.Fatal(err)
	}
	got.Start = time.Unix(ts.Unix(), int64(tsNs)).UTC()
	got.Type, got.Outcome, got.ColdStart = schemas.RecordType(recordType), schemas.Outcome(outcome), cold == 1
	got.ColdStartSource = schemas.ColdStartSource(coldSource)
	for i := range keys {
		got.Attrs = append(got.Attrs, schemas.Attr{Key: keys[i], Value: values[i]})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
}

func TestRollupAndInstancesFollowInserts(t *testing.T) {
	db := migrated(t)
	ctx := context.Background()
	cold := record("fn", 5*time.Second)
	cold.ColdStart, cold.ColdStartSource = true, schemas.ColdExplicit
	failed := record("fn", 70*time.Second)
	failed.Outcome, failed.InstanceID = schemas.OutcomeError, "i-1"
	late := record("fn", 10*time.Second) // arrives after a later invocation of the same instance
	late.InstanceID = "i-1"
	throttle := record("fn", 20*time.Second)
	throttle.Type, throttle.Outcome, throttle.BilledDurationMs = schemas.RecordThrottle, schemas.OutcomeThrottled, 0
	for _, batch := range [][]schemas.Invocation{{cold, failed}, {late, throttle}} {
		if err := schemas.InsertInvocations(ctx, db.Conn, batch); err != nil {
			t.Fatal(err)
		}
	}
	var inv, errs, thr, colds, mbms uint64
	err := db.Conn.QueryRow(ctx, `SELECT countIfMerge(invocation_count), countIfMerge(error_count),
		countIfMerge(throttle_count), countIfMerge(cold_start_count), sumMerge(billed_mb_ms)
		FROM function_hour WHERE function_name = 'fn'`).Scan(&inv, &errs, &thr, &colds, &mbms)
	if err != nil {
		t.Fatal(err)
	}
	if inv != 3 || errs != 1 || thr != 1 || colds != 1 || mbms != 3*10*128 {
		t.Errorf("rollup: invocations %d errors %d throttles %d cold %d mb_ms %d", inv, errs, thr, colds, mbms)
	}
	var first uint64
	if err := db.Conn.QueryRow(ctx, `SELECT minMerge(first_start_ns) FROM instance_days WHERE instance = sipHash64('i-1')`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	if want := uint64(late.Start.UnixNano()); first != want {
		t.Errorf("instance first seen %d, want the earliest start %d whatever the arrival order", first, want)
	}
	// tenant_days counts invocations and init reports, not throttles.
	initRec := record("fn", 30*time.Second)
	initRec.Type, initRec.InitDurationMs = schemas.RecordInit, 200
	if err := schemas.InsertInvocations(ctx, db.Conn, []schemas.Invocation{initRec}); err != nil {
		t.Fatal(err)
	}
	var records uint64
	if err := db.Conn.QueryRow(ctx, `SELECT sum(records) FROM tenant_days WHERE tenant = 't1'`).Scan(&records); err != nil {
		t.Fatal(err)
	}
	if records != 4 {
		t.Errorf("tenant_days: %d records, want 3 invocations + 1 init report", records)
	}
}

func TestUsageRollupSumsWhatPricesNeed(t *testing.T) {
	db := migrated(t)
	ctx := context.Background()
	cold := record("fn", 5*time.Second)
	cold.BillingPlan, cold.MemoryMB, cold.BilledMemoryMB = "aws_lambda", 512, 512
	cold.ColdStart, cold.ColdStartSource = true, schemas.ColdExplicit
	cold.DurationMs, cold.InitDurationMs, cold.BilledDurationMs = 26.12, 607.83, 634 // ceil(26.12+607.83)
	warm := record("fn", 6*time.Second)
	warm.BillingPlan, warm.MemoryMB, warm.BilledMemoryMB = "aws_lambda", 512, 512
	warm.Outcome = schemas.OutcomeTimeout
	throttle := record("fn", 7*time.Second)
	throttle.Type, throttle.Outcome, throttle.BilledDurationMs = schemas.RecordThrottle, schemas.OutcomeThrottled, 0
	if err := schemas.InsertInvocations(ctx, db.Conn, []schemas.Invocation{cold, warm}); err != nil {
		t.Fatal(err)
	}
	if err := schemas.InsertInvocations(ctx, db.Conn, []schemas.Invocation{throttle}); err != nil {
		t.Fatal(err)
	}
	var inv, tmo, thr, colds, initCount, billedMs, mbms, initMbms uint64
	var coldMs float64
	err := db.Conn.QueryRow(ctx, `SELECT sum(invocations), sum(timeouts), sum(throttles), sum(cold_starts),
		sum(init_ms_count), sum(billed_ms), sum(billed_mb_ms), sum(init_billed_mb_ms), sum(cold_duration_ms_sum)
		FROM function_usage_hour WHERE function_name = 'fn'`).Scan(&inv, &tmo, &thr, &colds, &initCount, &billedMs, &mbms, &initMbms, &coldMs)
	if err != nil {
		t.Fatal(err)
	}
	if inv != 2 || tmo != 1 || thr != 1 || colds != 1 || initCount != 1 || coldMs != 26.12 {
		t.Errorf("counts: invocations %d timeouts %d throttles %d cold %d inits %d cold ms %v", inv, tmo, thr, colds, initCount, coldMs)
	}
	if billedMs != 644 || mbms != 644*512 || initMbms != (634-27)*512 {
		t.Errorf("billed: ms %d mb_ms %d init mb_ms %d, want 644, %d, %d", billedMs, mbms, initMbms, 644*512, (634-27)*512)
	}
}

// migratedThrough is a fresh database migrated up to migration n, and the
// migrator to take it further (Through = 0: all).
func migratedThrough(t *testing.T, n uint32) (*chclient.Client, *schemas.Migrator) {
	t.Helper()
	db := chtest.NewDatabase(t)
	m := &schemas.Migrator{Conn: db.Conn, DDLContext: db.DDLContext, Through: n}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, m
}

// Migrations that rebuild a table under its name (0012 the hour rollups,
// 0016 instance_days, 0018 function_day) keep its rows, and its view
// fills the new table.
func TestRebuildingMigrationsKeepRows(t *testing.T) {
	db, m := migratedThrough(t, 11)
	ctx := context.Background()
	at := func(h int, instance string, ms float64) schemas.Invocation {
		r := record("a", time.Duration(h)*time.Hour)
		r.InstanceID, r.DurationMs = instance, ms
		return r
	}
	if err := schemas.InsertInvocations(ctx, db.Conn, []schemas.Invocation{at(0, "i-1", 10), at(1, "i-2", 20)}); err != nil {
		t.Fatal(err)
	}
	summaries := map[string]string{
		"function_hour":       "SELECT toString(quantilesTDigestIfMerge(0.5, 0.9, 0.95, 0.99)(duration_quantiles)) FROM function_hour",
		"function_usage_hour": "SELECT toString(sum(invocations)) FROM function_usage_hour",
		"instance_days":       "SELECT toString(count()) FROM instance_days",
		"function_day":        "SELECT toString((quantilesTDigestIfMerge(0.5, 0.9, 0.95, 0.99)(duration_quantiles), maxIfMerge(duration_max))) FROM function_day",
	}
	summarize := func() map[string]string {
		out := map[string]string{}
		for table, q := range summaries {
			var v string
			if err := db.Conn.QueryRow(ctx, q).Scan(&v); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			out[table] = v
		}
		return out
	}
	before := summarize()
	m.Through = 0
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	after := summarize()
	for table, v := range before {
		if after[table] != v {
			t.Errorf("%s: %s after the migrations, %s before", table, after[table], v)
		}
	}
	// The views write to the rebuilt tables.
	if err := schemas.InsertInvocations(ctx, db.Conn, []schemas.Invocation{at(2, "i-3", 500)}); err != nil {
		t.Fatal(err)
	}
	for table, v := range summarize() {
		if v == after[table] {
			t.Errorf("%s: unchanged by an insert after the migrations (%s)", table, v)
		}
	}
}

// 0020 reorders function_windows, which the coldstarts job writes (no
// view): every window row and its state are kept.
func TestReorderedWindowsKeepTheirRows(t *testing.T) {
	db, m := migratedThrough(t, 19)
	ctx := context.Background()
	recs := []schemas.Invocation{record("a", 0), record("b", time.Hour), record("a", 25*time.Hour)}
	recs[1].DurationMs = 900
	if err := schemas.InsertInvocations(ctx, db.Conn, recs); err != nil {
		t.Fatal(err)
	}
	build := `INSERT INTO function_windows SELECT tenant, provider, platform, region, account_id, function_name,
		7, toStartOfDay(day), maxIfMergeState(duration_max), quantilesTDigestIfMergeState(0.5, 0.9, 0.95, 0.99)(duration_quantiles),
		quantilesTDigestIfMergeState(0.5, 0.95, 0.99)(init_quantiles), 3
	FROM function_day GROUP BY tenant, provider, platform, region, account_id, function_name, day`
	if err := db.Conn.Exec(ctx, build); err != nil {
		t.Fatal(err)
	}
	q := `SELECT toString(groupArray(w)) FROM (SELECT (function_name, toString(start_day), version,
		maxIfMerge(duration_max), quantilesTDigestIfMerge(0.5, 0.9, 0.95, 0.99)(duration_quantiles)) AS w
	FROM function_windows GROUP BY function_name, start_day, version ORDER BY function_name, start_day)`
	var before, after string
	if err := db.Conn.QueryRow(ctx, q).Scan(&before); err != nil {
		t.Fatal(err)
	}
	m.Through = 0
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Conn.QueryRow(ctx, q).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before || !strings.Contains(before, "900") {
		t.Errorf("windows after 0020: %s, before: %s", after, before)
	}
	var ddl string
	if err := db.Conn.QueryRow(ctx, "SHOW CREATE TABLE function_windows").Scan(&ddl); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ddl, "ORDER BY (tenant, span_days, start_day, provider") {
		t.Errorf("function_windows is not ordered by window first: %s", ddl)
	}
}

// 0021 adds the minutes of settled cold starts and drops the settlements
// made without them, so no day is read as settled without its minutes.
func TestSettlementsWithoutMinutesAreDropped(t *testing.T) {
	db, m := migratedThrough(t, 20)
	ctx := context.Background()
	for _, q := range []string{
		"INSERT INTO settled_days (tenant, day, invocations, previous, version) SELECT 't1', toDate('2026-11-20'), 5, 0, 1",
		`INSERT INTO inferred_cold_days (tenant, provider, account_id, region, function_name, day, cold_starts, version)
		SELECT 't1', 'aws', '1', 'us-east-1', 'a', toDate('2026-11-20'), 2, 1`,
	} {
		if err := db.Conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	m.Through = 0
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var settled, rows uint64
	var minutes []uint16
	if err := db.Conn.QueryRow(ctx, "SELECT count() FROM settled_days").Scan(&settled); err != nil {
		t.Fatal(err)
	}
	if err := db.Conn.QueryRow(ctx, "SELECT count(), any(first_minutes) FROM inferred_cold_days").Scan(&rows, &minutes); err != nil {
		t.Fatal(err)
	}
	if settled != 0 || rows != 1 || len(minutes) != 0 {
		t.Errorf("after 0021: %d settlements (want 0), %d settled rows with minutes %v (want the old row, none)", settled, rows, minutes)
	}
}
