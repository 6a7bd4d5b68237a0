-- First and last invocation seen per execution environment (faas.instance).
-- Cold starts of runtimes that do not send faas.coldstart are inferred here:
-- an instance's first invocation is its cold start. Doing it in ClickHouse,
-- where every collector replica's rows meet, keeps the answer right when one
-- instance's spans reach different replicas or arrive out of order: min() does
-- not care about arrival order. explicit_flag is 1 when any invocation of the
-- instance carried its own cold-start flag; such instances are never inferred.
CREATE TABLE IF NOT EXISTS instances (
    tenant         LowCardinality(String),
    provider       LowCardinality(String),
    account_id     LowCardinality(String),
    region         LowCardinality(String),
    function_name  LowCardinality(String),
    instance_id    String,
    first_start_ns AggregateFunction(min, UInt64),
    last_start_ns  AggregateFunction(max, UInt64),
    explicit_flag  AggregateFunction(max, UInt8)
) ENGINE = AggregatingMergeTree
ORDER BY (tenant, provider, account_id, region, function_name, instance_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS instances_mv TO instances AS
SELECT
    tenant, provider, account_id, region, function_name, instance_id,
    minState(toUInt64(ts) * 1000000000 + ts_ns) AS first_start_ns,
    maxState(toUInt64(ts) * 1000000000 + ts_ns) AS last_start_ns,
    maxState(toUInt8(cold_start_source != 'unknown')) AS explicit_flag
FROM invocations
WHERE record_type = 'invocation' AND instance_id != ''
GROUP BY tenant, provider, account_id, region, function_name, instance_id
