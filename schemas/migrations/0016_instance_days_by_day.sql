-- instance_days ordered by day first. Since 0015 most of a long range's
-- inferred cold starts come settled (inferred_cold_days); the instances are
-- read for the days around the range's ends and for settling one day, which
-- cover every function of a few days: ordered by (tenant, day, ...) that is
-- one contiguous read, where ordered by function first it scanned the whole
-- monthly partition (226,801 rows for 3 days at 100M invocations,
-- docs/benchmarks.md). Rebuilt under its name with its view as in 0012: the
-- new table takes the old one's columns, rows are copied as they are (min and
-- max states, which a second copy would not change). Run while ingest is
-- stopped ("faascope migrate", or serve before it listens).
CREATE TABLE IF NOT EXISTS instance_days_by_day AS instance_days
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, provider, account_id, region, function_name, instance);

DROP TABLE IF EXISTS instance_days_mv;

INSERT INTO instance_days_by_day SELECT * FROM instance_days;

RENAME TABLE instance_days TO instance_days_by_function, instance_days_by_day TO instance_days;

DROP TABLE IF EXISTS instance_days_by_function;

CREATE MATERIALIZED VIEW IF NOT EXISTS instance_days_mv TO instance_days AS
SELECT
    tenant, provider, account_id, region, function_name, toDate(ts) AS day,
    sipHash64(instance_id) AS instance,
    minState(toUInt64(ts) * 1000000000 + ts_ns) AS first_start_ns,
    maxState(toUInt64(ts) * 1000000000 + ts_ns) AS last_start_ns,
    maxState(toUInt8(0)) AS explicit_flag
FROM invocations
WHERE record_type = 'invocation' AND instance_id != '' AND cold_start_source = 'unknown'
GROUP BY tenant, provider, account_id, region, function_name, day, instance;
