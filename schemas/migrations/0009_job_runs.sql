-- One row per run of a scheduled job (internal/scheduler), written when the
-- run ends, including ticks skipped because the previous run was still going.
-- Jobs are global, so there is no tenant. Times are DateTime plus the
-- nanoseconds within the second (no DateTime64 on 18.16). Monthly partitions
-- let retention drop old runs from Go (no TTL on 18.16).
CREATE TABLE IF NOT EXISTS job_runs (
    job         String,
    run_id      String,
    trigger     Enum8('schedule' = 1, 'manual' = 2),
    instance    String,
    started     DateTime('UTC'),
    started_ns  UInt32,
    finished    DateTime('UTC'),
    finished_ns UInt32,
    status      Enum8('ok' = 1, 'error' = 2, 'timeout' = 3, 'panic' = 4, 'skipped' = 5, 'canceled' = 6),
    error       String,
    summary     String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(started)
ORDER BY (job, started, started_ns);
