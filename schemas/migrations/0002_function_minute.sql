-- Per function per minute rollup, fed by a materialized view, so dashboard
-- latency does not grow with raw volume. Read with -Merge and GROUP BY: parts
-- merge lazily. Column names differ from every raw column name on purpose
-- (an alias equal to a column name changes meaning between server versions).
-- cold_start_count counts invocations flagged cold by the span or a platform
-- report; cold starts inferred from instance first-seen times come from the
-- instances table at query time.
CREATE TABLE IF NOT EXISTS function_minute (
    tenant             LowCardinality(String),
    provider           LowCardinality(String),
    platform           LowCardinality(String),
    region             LowCardinality(String),
    account_id         LowCardinality(String),
    function_name      LowCardinality(String),
    minute             DateTime('UTC'),
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
PARTITION BY toYYYYMMDD(minute)
ORDER BY (tenant, provider, account_id, region, function_name, platform, minute);

CREATE MATERIALIZED VIEW IF NOT EXISTS function_minute_mv TO function_minute AS
SELECT
    tenant, provider, platform, region, account_id, function_name,
    toStartOfMinute(ts) AS minute,
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
GROUP BY tenant, provider, platform, region, account_id, function_name, minute
