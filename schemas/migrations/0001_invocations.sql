-- One row per function invocation, throttled call, or init phase (record_type).
-- Portable to ClickHouse 18.16 and current releases: DateTime plus a
-- nanosecond column instead of DateTime64, Nested instead of Map, Enum8 for
-- small closed vocabularies, no TTL/CODEC/skip indexes (see clickhouse-compat.md).
-- Partitioned by day so retention drops whole partitions; ordered by function
-- identity then time so a per-function time range is one contiguous read.
CREATE TABLE IF NOT EXISTS invocations (
    tenant             LowCardinality(String),
    provider           LowCardinality(String),
    platform           LowCardinality(String),
    region             LowCardinality(String),
    account_id         LowCardinality(String),
    function_name      LowCardinality(String),
    function_id        String,
    invoked_arn        String,
    function_version   LowCardinality(String),
    runtime            LowCardinality(String),
    architecture       LowCardinality(String),
    memory_mb          UInt32,
    instance_id        String,
    invocation_id      String,
    trace_id           String,
    span_id            String,
    service_name       LowCardinality(String),
    trigger_type       LowCardinality(String),
    ts                 DateTime('UTC'),
    ts_ns              UInt32,
    duration_ms        Float64,
    init_duration_ms   Float64,
    billed_duration_ms UInt32,
    billed_memory_mb   UInt32,
    billing_plan       LowCardinality(String),
    record_type        Enum8('invocation' = 1, 'throttle' = 2, 'init' = 3),
    outcome            Enum8('ok' = 1, 'error' = 2, 'timeout' = 3, 'throttled' = 4),
    error_type         LowCardinality(String),
    http_status        UInt16,
    cold_start         UInt8,
    cold_start_source  Enum8('unknown' = 0, 'explicit' = 1, 'init_span' = 2, 'platform_report' = 3, 'inferred' = 4),
    attrs              Nested(key String, value String)
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (tenant, provider, account_id, region, function_name, ts)
