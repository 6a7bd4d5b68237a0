-- Records (invocations and init reports) per tenant and day. Settled days
-- and windows (0015, 0017) are trusted while their days hold the records
-- they held when settled, so every long-range view counts a tenant's
-- records per day first. From function_usage_day that read every function
-- and configuration of the range (15,500 rows for 30 days of 500
-- functions, growing with functions); here it is one row per day. Init
-- reports count because they carry the init-duration states of the
-- windows; days with init reports settled before this migration recorded
-- their invocations only, no longer match, and are settled once more.
--
-- The INSERT backfills the days stored before this migration: run it while
-- ingest is stopped ("faascope migrate", or serve before it listens).
CREATE TABLE IF NOT EXISTS tenant_days (
    tenant  LowCardinality(String),
    day     DateTime('UTC'),
    records UInt64
) ENGINE = SummingMergeTree((records))
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS tenant_days_mv TO tenant_days AS
SELECT tenant, toStartOfDay(ts) AS day, countIf(record_type IN ('invocation', 'init')) AS records
FROM invocations
GROUP BY tenant, day;

INSERT INTO tenant_days
SELECT tenant, day, sum(invocations + inits)
FROM function_usage_day
GROUP BY tenant, day;
