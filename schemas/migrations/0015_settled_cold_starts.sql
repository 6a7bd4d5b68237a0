-- Settled inferred cold starts (analyzer/settle.go, docs/architecture.md).
--
-- Inferring cold starts means grouping every unflagged instance of the range
-- (instance_days), which grows with traffic: at 100M invocations it was the
-- slowest part of the function list. The coldstarts job settles each past
-- day once: an instance is an inferred cold start of day D when it has rows
-- on D and none on D-1 (its first start since the day before lies in D),
-- which is what the live query counts for a range of whole days. Queries
-- read settled days from here and infer only the days around the range's
-- ends, and days whose data changed since they were settled.
--
-- inferred_cold_days: per function and day. A re-settled day gets rows with
-- a larger version; readers take argMax per function and day.
CREATE TABLE IF NOT EXISTS inferred_cold_days (
    tenant        LowCardinality(String),
    provider      LowCardinality(String),
    account_id    LowCardinality(String),
    region        LowCardinality(String),
    function_name LowCardinality(String),
    day           Date,
    cold_starts   UInt64,
    version       UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, provider, account_id, region, function_name);

-- settled_days: one row per tenant and settled day, written after the day's
-- counts. invocations is the tenant's invocation count of the day when it
-- was settled (function_usage_day): a query trusts a settled day D only
-- while D-1 and D still hold the invocations they held when D was settled,
-- so data that arrives late for a settled day is counted from instances
-- until the job settles that day again.
CREATE TABLE IF NOT EXISTS settled_days (
    tenant      LowCardinality(String),
    day         Date,
    invocations UInt64,
    previous    UInt64,
    version     UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, day);
