-- function_day with small granules. A page of the function list merges the
-- day states of its functions only, but with the default granules of 8192
-- rows ClickHouse read and decoded the states of every function (a state is
-- ~2 KB): for a page of 100 of 500 functions at 100M invocations, 6 days
-- took 60-70 ms, 33 ms with granules of 64 rows (docs/benchmarks.md).
-- Rebuilt under its name with its view as in 0012; the rows are copied as
-- they are. Run while ingest is stopped ("faascope migrate", or serve before
-- it listens).
CREATE TABLE IF NOT EXISTS function_day_small AS function_day
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, provider, account_id, region, function_name, platform, day)
SETTINGS index_granularity = 64;

DROP TABLE IF EXISTS function_day_mv;

INSERT INTO function_day_small SELECT * FROM function_day;

RENAME TABLE function_day TO function_day_large, function_day_small TO function_day;

DROP TABLE IF EXISTS function_day_large;

CREATE MATERIALIZED VIEW IF NOT EXISTS function_day_mv TO function_day AS
SELECT
    tenant, provider, platform, region, account_id, function_name,
    toStartOfDay(ts) AS day,
    maxIfState(duration_ms, record_type = 'invocation') AS duration_max,
    quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)(duration_ms, record_type = 'invocation') AS duration_quantiles,
    quantilesTDigestIfState(0.5, 0.95, 0.99)(init_duration_ms, init_duration_ms > 0) AS init_quantiles
FROM invocations
GROUP BY tenant, provider, platform, region, account_id, function_name, day;
