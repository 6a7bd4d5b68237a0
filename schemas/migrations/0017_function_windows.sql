-- Latency states per function over rolling windows of 7 and 28 days
-- (analyzer/windows.go, docs/architecture.md "Settled windows").
--
-- Merging t-digest states costs in proportion to the states merged: a
-- 30-day percentile merged 30 day states per function (function_day, 0008),
-- the largest part of a function list at 100M invocations. A window of L
-- days starting on each day D holds the merge of D..D+L-1, so a run of whole
-- days is covered by a few windows and at most six days: 30 days read one
-- 28-day window and 2 days per function (15-17 ms for a page of 100
-- functions at 100M, against 60-90 ms for 30 day states; docs/benchmarks.md).
--
-- function_windows: written by the coldstarts job, a tenant's windows at a
-- time; readers select each window's build by its version (settled_windows),
-- and a rebuild's larger version replaces the old rows when parts merge.
-- Small granules: a page of the list reads
-- the states of its functions, not of every function (a state is ~2.7 KB,
-- a granule of the default 8192 rows ~20 MB).
CREATE TABLE IF NOT EXISTS function_windows (
    tenant             LowCardinality(String),
    provider           LowCardinality(String),
    platform           LowCardinality(String),
    region             LowCardinality(String),
    account_id         LowCardinality(String),
    function_name      LowCardinality(String),
    span_days          UInt8,
    start_day          DateTime('UTC'),
    duration_max       AggregateFunction(maxIf, Float64, UInt8),
    duration_quantiles AggregateFunction(quantilesTDigestIf(0.5, 0.9, 0.95, 0.99), Float64, UInt8),
    init_quantiles     AggregateFunction(quantilesTDigestIf(0.5, 0.95, 0.99), Float64, UInt8),
    version            UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_day)
ORDER BY (tenant, provider, account_id, region, function_name, platform, span_days, start_day)
SETTINGS index_granularity = 64;

-- settled_windows: one row per tenant and window, written after the
-- window's states, with their version. records is the tenant's invocations
-- and init reports over the window's days when it was built
-- (function_usage_day): a query reads a window only while its days still
-- hold that many, so data that arrives late is merged from day states until
-- the job rebuilds the window.
CREATE TABLE IF NOT EXISTS settled_windows (
    tenant    LowCardinality(String),
    span_days UInt8,
    start_day Date,
    records   UInt64,
    version   UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, span_days, start_day);
