-- The hour rollups ordered by time first. Since 0008 they serve only the
-- partial days at a range's ends (whole days come from the day rollups) and
-- hour-grain questions, which read every function's rows of a few hours:
-- ordered by (tenant, hour, ...) that is one contiguous read, where ordered
-- by function first it scanned the whole monthly partition (docs/benchmarks.md,
-- queries). Each table is rebuilt under its name with its view: the new
-- table takes the old one's columns (CREATE TABLE ... AS) with the new
-- order, and rows are copied as they are (sums and aggregate states). Run
-- while ingest is stopped ("faascope migrate", or serve before it
-- listens): rows inserted while a view is being recreated would be missed.
CREATE TABLE IF NOT EXISTS function_usage_hour_by_time AS function_usage_hour
ENGINE = SummingMergeTree((invocations, errors, timeouts, throttles, cold_starts, inits,
    duration_ms_sum, cold_duration_ms_sum, init_ms_sum, init_ms_count, billed_ms, billed_mb_ms, init_billed_mb_ms))
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, hour, provider, account_id, region, function_name,
    platform, billing_plan, architecture, memory_mb, function_version, runtime);

DROP TABLE IF EXISTS function_usage_hour_mv;

INSERT INTO function_usage_hour_by_time SELECT * FROM function_usage_hour;

RENAME TABLE function_usage_hour TO function_usage_hour_by_function, function_usage_hour_by_time TO function_usage_hour;

DROP TABLE IF EXISTS function_usage_hour_by_function;

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

CREATE TABLE IF NOT EXISTS function_hour_by_time AS function_hour
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, hour, provider, account_id, region, function_name, platform);

DROP TABLE IF EXISTS function_hour_mv;

INSERT INTO function_hour_by_time SELECT * FROM function_hour;

RENAME TABLE function_hour TO function_hour_by_function, function_hour_by_time TO function_hour;

DROP TABLE IF EXISTS function_hour_by_function;

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
