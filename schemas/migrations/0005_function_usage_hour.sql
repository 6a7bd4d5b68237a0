-- Per function per hour usage as plain sums, split by what prices and
-- breakdowns need: billing plan, architecture and memory (cost), version and
-- runtime (filters, cold-start breakdowns). SummingMergeTree adds the
-- numeric columns of rows with the same key, so a reader sums plain UInt64
-- and Float64 columns: ~10x cheaper than merging the countIf states of
-- function_hour, which stays for duration and init quantiles.
--
-- init_billed_mb_ms is the part of billed_mb_ms that is INIT (AWS bills a
-- cold start's init with its invocation from 2025-08-01, billing/metering.go):
-- billed duration above the rounded-up handler duration on cold invocations.
--
-- Like 0004, the INSERT backfills rows stored before this migration; run it
-- while ingest is stopped ("faascope migrate", or serve before it listens).
CREATE TABLE IF NOT EXISTS function_usage_hour (
    tenant            LowCardinality(String),
    provider          LowCardinality(String),
    account_id        LowCardinality(String),
    region            LowCardinality(String),
    function_name     LowCardinality(String),
    hour              DateTime('UTC'),
    platform          LowCardinality(String),
    billing_plan      LowCardinality(String),
    architecture      LowCardinality(String),
    memory_mb         UInt32,
    function_version  LowCardinality(String),
    runtime           LowCardinality(String),
    invocations       UInt64,
    errors            UInt64,
    timeouts          UInt64,
    throttles         UInt64,
    cold_starts       UInt64,
    inits             UInt64,
    duration_ms_sum   Float64,
    cold_duration_ms_sum Float64,
    init_ms_sum       Float64,
    init_ms_count     UInt64,
    billed_ms         UInt64,
    billed_mb_ms      UInt64,
    init_billed_mb_ms UInt64
) ENGINE = SummingMergeTree((invocations, errors, timeouts, throttles, cold_starts, inits,
    duration_ms_sum, cold_duration_ms_sum, init_ms_sum, init_ms_count, billed_ms, billed_mb_ms, init_billed_mb_ms))
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, provider, account_id, region, function_name, hour,
    platform, billing_plan, architecture, memory_mb, function_version, runtime);

CREATE MATERIALIZED VIEW IF NOT EXISTS function_usage_hour_mv TO function_usage_hour AS
SELECT
    tenant, provider, account_id, region, function_name, toStartOfHour(ts) AS hour,
    platform, billing_plan, architecture, memory_mb, function_version, runtime,
    countIf(record_type = 'invocation') AS invocations,
    countIf(record_type = 'invocation' AND outcome = 'error') AS errors,
    countIf(record_type = 'invocation' AND outcome = 'timeout') AS timeouts,
    countIf(record_type = 'throttle') AS throttles,
    countIf(record_type = 'invocation' AND cold_start = 1) AS cold_starts,
    countIf(record_type = 'init') AS inits,
    sumIf(duration_ms, record_type = 'invocation') AS duration_ms_sum,
    sumIf(duration_ms, record_type = 'invocation' AND cold_start = 1) AS cold_duration_ms_sum,
    sumIf(init_duration_ms, init_duration_ms > 0) AS init_ms_sum,
    countIf(init_duration_ms > 0) AS init_ms_count,
    sumIf(toUInt64(billed_duration_ms), record_type = 'invocation') AS billed_ms,
    sumIf(toUInt64(billed_duration_ms) * billed_memory_mb, record_type = 'invocation') AS billed_mb_ms,
    toUInt64(sumIf((billed_duration_ms - toUInt64(ceil(duration_ms))) * billed_memory_mb,
        record_type = 'invocation' AND cold_start = 1 AND billing_plan = 'aws_lambda'
        AND billed_duration_ms > ceil(duration_ms))) AS init_billed_mb_ms
FROM invocations
GROUP BY tenant, provider, account_id, region, function_name, hour,
    platform, billing_plan, architecture, memory_mb, function_version, runtime;

INSERT INTO function_usage_hour
SELECT
    tenant, provider, account_id, region, function_name, toStartOfHour(ts) AS hour,
    platform, billing_plan, architecture, memory_mb, function_version, runtime,
    countIf(record_type = 'invocation') AS invocations,
    countIf(record_type = 'invocation' AND outcome = 'error') AS errors,
    countIf(record_type = 'invocation' AND outcome = 'timeout') AS timeouts,
    countIf(record_type = 'throttle') AS throttles,
    countIf(record_type = 'invocation' AND cold_start = 1) AS cold_starts,
    countIf(record_type = 'init') AS inits,
    sumIf(duration_ms, record_type = 'invocation') AS duration_ms_sum,
    sumIf(duration_ms, record_type = 'invocation' AND cold_start = 1) AS cold_duration_ms_sum,
    sumIf(init_duration_ms, init_duration_ms > 0) AS init_ms_sum,
    countIf(init_duration_ms > 0) AS init_ms_count,
    sumIf(toUInt64(billed_duration_ms), record_type = 'invocation') AS billed_ms,
    sumIf(toUInt64(billed_duration_ms) * billed_memory_mb, record_type = 'invocation') AS billed_mb_ms,
    toUInt64(sumIf((billed_duration_ms - toUInt64(ceil(duration_ms))) * billed_memory_mb,
        record_type = 'invocation' AND cold_start = 1 AND billing_plan = 'aws_lambda'
        AND billed_duration_ms > ceil(duration_ms))) AS init_billed_mb_ms
FROM invocations
GROUP BY tenant, provider, account_id, region, function_name, hour,
    platform, billing_plan, architecture, memory_mb, function_version, runtime;
