-- Instances per day, replacing the instances table (0003). Cold starts of
-- runtimes that send no faas.coldstart are inferred from an instance's first
-- invocation; 0003 kept one row per instance for all time, so every question
-- aggregated the whole history. Here a row is one instance on one UTC day,
-- and readers scan only the days of their range plus a lookback
-- (analyzer.InstanceLookback, 24 h): an instance that ran in the lookback is
-- not new in the range. Providers reclaim idle instances within an hour, so
-- an instance idle for the whole lookback and then invoked again does not
-- exist.
--
-- instance is sipHash64(instance_id): grouping by a UInt64 is several times
-- cheaper than by a 40-byte string. Two instances of one function colliding
-- within a range is a 1 in 10^7 event at a million instances (birthday bound,
-- n^2 / 2^65), and would hide one cold start.
--
-- As in 0003, min() does not care about arrival order or about which
-- collector replica stored which span, and explicit_flag is 1 when any
-- invocation of the instance carried its own cold-start flag (such instances
-- are never inferred). Like 0004, the INSERT backfills rows stored before
-- this migration; run it while ingest is stopped.
CREATE TABLE IF NOT EXISTS instance_days (
    tenant         LowCardinality(String),
    provider       LowCardinality(String),
    account_id     LowCardinality(String),
    region         LowCardinality(String),
    function_name  LowCardinality(String),
    day            Date,
    instance       UInt64,
    first_start_ns AggregateFunction(min, UInt64),
    last_start_ns  AggregateFunction(max, UInt64),
    explicit_flag  AggregateFunction(max, UInt8)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, provider, account_id, region, function_name, day, instance);

CREATE MATERIALIZED VIEW IF NOT EXISTS instance_days_mv TO instance_days AS
SELECT
    tenant, provider, account_id, region, function_name, toDate(ts) AS day,
    sipHash64(instance_id) AS instance,
    minState(toUInt64(ts) * 1000000000 + ts_ns) AS first_start_ns,
    maxState(toUInt64(ts) * 1000000000 + ts_ns) AS last_start_ns,
    maxState(toUInt8(cold_start_source != 'unknown')) AS explicit_flag
FROM invocations
WHERE record_type = 'invocation' AND instance_id != ''
GROUP BY tenant, provider, account_id, region, function_name, day, instance;

INSERT INTO instance_days
SELECT
    tenant, provider, account_id, region, function_name, toDate(ts) AS day,
    sipHash64(instance_id) AS instance,
    minState(toUInt64(ts) * 1000000000 + ts_ns) AS first_start_ns,
    maxState(toUInt64(ts) * 1000000000 + ts_ns) AS last_start_ns,
    maxState(toUInt8(cold_start_source != 'unknown')) AS explicit_flag
FROM invocations
WHERE record_type = 'invocation' AND instance_id != ''
GROUP BY tenant, provider, account_id, region, function_name, day, instance;

DROP TABLE IF EXISTS instances_mv;
DROP TABLE IF EXISTS instances;
