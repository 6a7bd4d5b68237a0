-- Per function per minute usage: the sums of function_usage_hour (0005) at
-- minute grain, for the partial hours at a range's ends. Ordered by
-- (tenant, minute, ...) rather than by function first: the edge minutes of a
-- range are then one contiguous read for a whole tenant, where raw rows
-- (ordered by function, then time) made every edge scan its whole day
-- partition (docs/benchmarks.md, queries). Ranges are read at minute
-- resolution from here on (analyzer/usage.go).
--
-- instance_days_mv is recreated to keep only instances that send no
-- cold-start flag: flagged instances are never inferred, and storing them
-- made every inference aggregate all instances (80 % of them in the bench).
--
-- Like 0004, the INSERT backfills rows stored before this migration; run it
-- while ingest is stopped ("faascope migrate", or serve before it listens).
CREATE TABLE IF NOT EXISTS function_usage_minute (
    tenant            LowCardinality(String),
    provider          LowCardinality(String),
    account_id        LowCardinality(String),
    region            LowCardinality(String),
    function_name     LowCardinality(String),
    minute            DateTime('UTC'),
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
PARTITION BY toYYYYMMDD(minute)
ORDER BY (tenant, minute, provider, account_id, region, function_name,
    platform, billing_plan, architecture, memory_mb, function_version, runtime);

CREATE MATERIALIZED VIEW IF NOT EXISTS function_usage_minute_mv TO function_usage_minute AS
SELECT
    tenant, provider, account_id, region, function_name, toStartOfMinute(ts) AS minute,
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
GROUP BY tenant, provider, account_id, region, function_name, minute,
    platform, billing_plan, architecture, memory_mb, function_version, runtime;

INSERT INTO function_usage_minute
SELECT
    tenant, provider, account_id, region, function_name, toStartOfMinute(ts) AS minute,
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
GROUP BY tenant, provider, account_id, region, function_name, minute,
    platform, billing_plan, architecture, memory_mb, function_version, runtime;

DROP TABLE IF EXISTS instance_days_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS instance_days_mv TO instance_days AS
SELECT
    tenant, provider, account_id, region, function_name, toDate(ts) AS day,
    sipHash64(instance_id) AS instance,
    minState(toUInt64(ts) * 1000000000 + ts_ns) AS first_start_ns,
    maxState(toUInt64(ts) * 1000000000 + ts_ns) AS last_start_ns,
    maxState(toUInt8(0)) AS explicit_flag
FROM invocations
WHERE record_type = 'invocation' AND instance_id != '' AND cold_start_source = 'unknown'
GROUP BY tenant, provider, account_id, region, function_name, day, instance;
