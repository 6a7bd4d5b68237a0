-- Latency states per function over rolling 7-day windows (analyzer/windows.go,
-- docs/architecture.md "Settled weeks").
--
-- Merging t-digest states costs in proportion to the states merged: a
-- 30-day percentile read 30 day states per function (function_day, 0008),
-- the largest part of a function list at 100M invocations. A window
-- starting on each day D holds the merge of D..D+6, so a run of whole days
-- is covered by consecutive windows plus at most six days: a 30-day range
-- reads 4 windows and 2 days per function.
--
-- function_week: written by the coldstarts job; a rewrite has a larger
-- version, and readers use FINAL.
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

-- settled_weeks: one row per tenant and window, written after the window's
-- states. records is the tenant's invocations and init reports over the
-- seven days when the window was built (function_usage_day): a query reads
-- a window only while its days still hold that many, so data that arrives
-- late is merged from day states until the job rebuilds the window.
CREATE TABLE IF NOT EXISTS settled_weeks (
    tenant    LowCardinality(String),
    start_day Date,
    records   UInt64,
    version   UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, start_day);
