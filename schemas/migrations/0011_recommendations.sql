-- Keep-warm recommendations, one row per function per recommender run
-- (analyzer/recommend.go). A rerun with the same run id replaces its rows
-- (ReplacingMergeTree on the key), so storing a run is idempotent; readers
-- take the latest run per function with argMax over created. body is the
-- whole recommendation as JSON (schedules, levels, evidence, alternatives);
-- the columns beside it are what lists filter and sort on.
CREATE TABLE IF NOT EXISTS recommendations (
    tenant                    LowCardinality(String),
    provider                  LowCardinality(String),
    account_id                LowCardinality(String),
    region                    LowCardinality(String),
    function_name             LowCardinality(String),
    run_id                    String,
    created                   DateTime('UTC'),
    action                    LowCardinality(String),
    reason                    LowCardinality(String),
    confidence                LowCardinality(String),
    cold_starts_avoided_month Float64,
    added_cost_month_usd      Float64,
    body                      String
) ENGINE = ReplacingMergeTree(created)
PARTITION BY toYYYYMM(created)
ORDER BY (tenant, provider, account_id, region, function_name, run_id);
