-- Per function per day: the latency states of function_hour (0004) and the
-- sums of function_usage_hour (0005), one row per function and day. A 30-day view
-- reads 30 rows per function here, plus hour rows for the partial days at
-- the range's ends and raw rows for the partial hours (analyzer/usage.go):
-- about 24 times fewer rows, and t-digest states, than hours alone. Measured
-- in docs/benchmarks.md (queries).
--
-- Like 0004, the INSERTs backfill rows stored before this migration; run it
-- while ingest is stopped ("faascope migrate", or serve before it listens).
CREATE TABLE IF NOT EXISTS function_day (
    tenant             LowCardinality(String),
    provider           LowCardinality(String),
    platform           LowCardinality(String),
    region             LowCardinality(String),
    account_id         LowCardinality(String),
    function_name      LowCardinality(String),
    day                DateTime('UTC'),
    duration_max       AggregateFunction(maxIf, Float64, UInt8),
    duration_quantiles AggregateFunction(quantilesTDigestIf(0.5, 0.9, 0.95, 0.99), Float64, UInt8),
    init_quantiles     AggregateFunction(quantilesTDigestIf(0.5, 0.95, 0.99), Float64, UInt8)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, provider, account_id, region, function_name, platform, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS function_day_mv TO function_day AS
SELECT
    tenant, provider, platform, region, account_id, function_name,
    toStartOfDay(ts) AS day,
    maxIfState(duration_ms, record_type = 'invocation') AS duration_max,
    quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)(duration_ms, record_type = 'invocation') AS duration_quantiles,
    quantilesTDigestIfState(0.5, 0.95, 0.99)(init_duration_ms, init_duration_ms > 0) AS init_quantiles
FROM invocations
GROUP BY tenant, provider, platform, region, account_id, function_name, day;

INSERT INTO function_day (tenant, provider, platform, region, account_id, function_name, day,
    duration_max, duration_quantiles, init_quantiles)
SELECT
    tenant, provider, platform, region, account_id, function_name,
    toStartOfDay(ts) AS day,
    maxIfState(duration_ms, record_type = 'invocation') AS duration_max,
    quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)(duration_ms, record_type = 'invocation') AS duration_quantiles,
    quantilesTDigestIfState(0.5, 0.95, 0.99)(init_duration_ms, init_duration_ms > 0) AS init_quantiles
FROM invocations
GROUP BY tenant, provider, platform, region, account_id, function_name, day;

CREATE TABLE IF NOT EXISTS function_usage_day (
    tenant            LowCardinality(String),
    provider          LowCardinality(String),
    account_id        LowCardinality(String),
    region            LowCardinality(String),
    function_name     LowCardinality(String),
    day               DateTime('UTC'),
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
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, provider, account_id, region, function_name, day,
    platform, billing_plan, architecture, memory_mb, function_version, runtime);

CREATE MATERIALIZED VIEW IF NOT EXISTS function_usage_day_mv TO function_usage_day AS
SELECT
    tenant, provider, account_id, region, function_name, toStartOfDay(ts) AS day,
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
GROUP BY tenant, provider, account_id, region, function_name, day,
    platform, billing_plan, architecture, memory_mb, function_version, runtime;

INSERT INTO function_usage_day
SELECT
    tenant, provider, account_id, region, function_name, toStartOfDay(ts) AS day,
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
GROUP BY tenant, provider, account_id, region, function_name, day,
    platform, billing_plan, architecture, memory_mb, function_version, runtime;
