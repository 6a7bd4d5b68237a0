-- Latency states per function over rolling 7-day windows (analyzer/settle.go,
-- docs/architecture.md "Settled weeks").
--
-- Merging t-digest states costs in proportion to the states merged: a
-- 30-day percentile read 30 day states per function (function_day, 0008),
-- the largest part of a function list at 100M invocations. A window
-- starting on each day D holds the merge of D..D+6, so any run of whole days
-- is covered by consecutive windows plus at most six days: a 30-day range
-- reads 4 windows and 2 days per function.
--
-- The coldstarts job (re)writes every complete window holding a day it
-- settles, before it records the settlement, so a window whose seven days
-- are all validly settled holds exactly their data; queries read windows
-- only there, with FINAL (a rewrite has a larger version). From this
-- migration on, settled_days (0015) counts init reports with invocations
-- (late init reports change a window's init percentiles), so days settled
-- before it are settled once more. The INSERT
-- backfills the windows of days stored before this migration: run it
-- while ingest is stopped, as 0008 ("faascope migrate", or serve before it
-- listens).
CREATE TABLE IF NOT EXISTS function_week (
    tenant             LowCardinality(String),
    provider           LowCardinality(String),
    platform           LowCardinality(String),
    region             LowCardinality(String),
    account_id         LowCardinality(String),
    function_name      LowCardinality(String),
    start_day          DateTime('UTC'),
    duration_max       AggregateFunction(maxIf, Float64, UInt8),
    duration_quantiles AggregateFunction(quantilesTDigestIf(0.5, 0.9, 0.95, 0.99), Float64, UInt8),
    init_quantiles     AggregateFunction(quantilesTDigestIf(0.5, 0.95, 0.99), Float64, UInt8),
    version            UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_day)
ORDER BY (tenant, provider, account_id, region, function_name, platform, start_day);

INSERT INTO function_week (tenant, provider, platform, region, account_id, function_name, start_day,
    duration_max, duration_quantiles, init_quantiles, version)
SELECT
    tenant, provider, platform, region, account_id, function_name,
    toDateTime(toUInt32(day) - i * 86400, 'UTC') AS start_day,
    maxIfMergeState(duration_max),
    quantilesTDigestIfMergeState(0.5, 0.9, 0.95, 0.99)(duration_quantiles),
    quantilesTDigestIfMergeState(0.5, 0.95, 0.99)(init_quantiles),
    toUInt64(0)
FROM function_day
ARRAY JOIN range(7) AS i
WHERE start_day + 7 * 86400 <= now()
GROUP BY tenant, provider, platform, region, account_id, function_name, start_day;
