-- Monthly billing reports (analyzer/reports.go, docs/reports.md), one per
-- tenant and month. A report is a snapshot of the prices in force when it
-- was made, so it is stored rather than recomputed: downloads of it are
-- byte for byte the same until it is regenerated. Regenerating inserts a
-- new row; ReplacingMergeTree on version (the generation time in unix
-- nanoseconds) keeps the latest, and readers take it with argMax until the
-- parts merge, so a report is replaced, never duplicated. body is the whole
-- report as JSON, the source every format is rendered from; the columns
-- beside it are what the list shows. A month still in progress is never
-- stored. has_previous says whether previous_total_usd holds a month
-- before (no Nullable: argMax would skip a NULL of the latest row).
CREATE TABLE IF NOT EXISTS reports (
    tenant             String,
    month              Date,
    generated          DateTime('UTC'),
    version            UInt64,
    currency           String,
    total_usd          Float64,
    has_previous       UInt8,
    previous_total_usd Float64,
    price_note         String,
    body               String
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYear(month)
ORDER BY (tenant, month);
