-- Per function per hour rollup, the same aggregates as function_minute. A
-- 30-day function list reads at most 720 rows per function here instead of
-- 43,200 in function_minute: with many quiet functions the minute rollup
-- holds nearly as many rows as the raw table (docs/benchmarks.md, queries).
-- Readers take whole hours from here, whole minutes at the range's ends from
-- function_minute, and the seconds at the very ends from raw rows.
-- Partitioned by month: an hour row is small and a day would hold few.
--
-- The INSERT fills the new table from rows stored before this migration. Run
-- it while ingest is stopped ("faascope migrate", or serve, which migrates
-- before it opens its receivers): rows inserted between the view's creation
-- and the backfill would be counted twice.
CREATE TABLE IF NOT EXISTS function_hour (
    tenant             LowCardinality(String),
    provider           LowCardinality(String),
    platform           LowCardinality(String),
    region             LowCardinality(String),
    account_id         LowCardinality(String),
    function_name      LowCardinality(String),
    hour               DateTime('UTC'),
    invocation_count   AggregateFunction(countIf, UInt8),
    error_count        AggregateFunction(countIf, UInt8),
    timeout_count      AggregateFunction(countIf, UInt8),
    throttle_count     AggregateFunction(countIf, UInt8),
    cold_start_count   AggregateFunction(countIf, UInt8),
    init_count         AggregateFunction(countIf, UInt8),
    duration_sum       AggregateFunction(sumIf, Float64, UInt8),
    duration_max       AggregateFunction(maxIf, Float64, UInt8),
    duration_quantiles AggregateFunction(quantilesTDigestIf(0.5, 0.9, 0.95, 0.99), Float64, UInt8),
    init_quantiles     AggregateFunction(quantilesTDigestIf(0.5, 0.95, 0.99), Float64, UInt8),
    billed_mb_ms       AggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, provider, account_id, region, function_name, platform, hour);

CREATE MATERIALIZED VIEW IF NOT EXISTS function_hour_mv TO function_hour AS
SELECT
    tenant, provider, platform, region, account_id, function_name,
    toStartOfHour(ts) AS hour,
    countIfState(record_type = 'invocation') AS invocation_count,
    countIfState(record_type = 'invocation' AND outcome = 'error') AS error_count,
    countIfState(record_type = 'invocation' AND outcome = 'timeout') AS timeout_count,
    countIfState(record_type = 'throttle') AS throttle_count,
    countIfState(record_type = 'invocation' AND cold_start = 1) AS cold_start_count,
    countIfState(record_type = 'init') AS init_count,
    sumIfState(duration_ms, record_type = 'invocation') AS duration_sum,
    maxIfState(duration_ms, record_type = 'invocation') AS duration_max,
    quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)(duration_ms, record_type = 'invocation') AS duration_quantiles,
    quantilesTDigestIfState(0.5, 0.95, 0.99)(init_duration_ms, init_duration_ms > 0) AS init_quantiles,
    sumState(toUInt64(billed_duration_ms) * billed_memory_mb) AS billed_mb_ms
FROM invocations
GROUP BY tenant, provider, platform, region, account_id, function_name, hour;

INSERT INTO function_hour (tenant, provider, platform, region, account_id, function_name, hour,
    invocation_count, error_count, timeout_count, throttle_count, cold_start_count, init_count,
    duration_sum, duration_max, duration_quantiles, init_quantiles, billed_mb_ms)
SELECT
    tenant, provider, platform, region, account_id, function_name,
    toStartOfHour(ts) AS hour,
    countIfState(record_type = 'invocation') AS invocation_count,
    countIfState(record_type = 'invocation' AND outcome = 'error') AS error_count,
    countIfState(record_type = 'invocation' AND outcome = 'timeout') AS timeout_count,
    countIfState(record_type = 'throttle') AS throttle_count,
    countIfState(record_type = 'invocation' AND cold_start = 1) AS cold_start_count,
    countIfState(record_type = 'init') AS init_count,
    sumIfState(duration_ms, record_type = 'invocation') AS duration_sum,
    maxIfState(duration_ms, record_type = 'invocation') AS duration_max,
    quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)(duration_ms, record_type = 'invocation') AS duration_quantiles,
    quantilesTDigestIfState(0.5, 0.95, 0.99)(init_duration_ms, init_duration_ms > 0) AS init_quantiles,
    sumState(toUInt64(billed_duration_ms) * billed_memory_mb) AS billed_mb_ms
FROM invocations
GROUP BY tenant, provider, platform, region, account_id, function_name, hour;
