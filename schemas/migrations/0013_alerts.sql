-- Alerting (docs/alerts.md, "Storage, scheduling and the API").
--
-- alert_rules: rules set through the API, per tenant. Every PUT and DELETE
-- appends a row with a larger version (nanoseconds of the change); a DELETE
-- is a tombstone (deleted = 1). ReplacingMergeTree keeps the latest row per
-- (tenant, name) once parts merge; readers take argMax(…, version) so the
-- answer is right before merges too. body is the rule as the API's JSON.
CREATE TABLE IF NOT EXISTS alert_rules (
    tenant  String,
    name    String,
    version UInt64,
    deleted UInt8,
    updated DateTime('UTC'),
    body    String
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, name);

-- alert_states: each alert group's state after the latest evaluation, what
-- survives a restart (analyzer/alerts.State as JSON in body). version is the
-- time the state was stored, in nanoseconds; latest wins (argMax). A group that went
-- back to inactive gets a row with status 'inactive', which readers skip.
CREATE TABLE IF NOT EXISTS alert_states (
    tenant    String,
    rule      String,
    group_key String,
    version   UInt64,
    status    String,
    updated   DateTime('UTC'),
    body      String
) ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, rule, group_key);

-- alert_history: one row per status change of a group (pending, firing,
-- resolved, and inactive when a pending alert is dropped). ClickHouse 18.16
-- has no TTL: the alerts job drops monthly partitions older than the
-- retention (90 days) from Go.
CREATE TABLE IF NOT EXISTS alert_history (
    tenant    String,
    rule      String,
    group_key String,
    labels    String,
    status    String,
    value     Float64,
    ts        DateTime('UTC'),
    ts_ns     UInt32
) ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (tenant, ts, ts_ns, rule, group_key);
