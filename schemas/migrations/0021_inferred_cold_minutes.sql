-- The minute of the day of each settled inferred cold start. A range's
-- first and last days are partial (a 30-day list starts at some minute of
-- its first day): with only a count per day, inference read their instances
-- from instance_days, with the day before as lookback, a third of the list's
-- cold-start CPU at 100M invocations (docs/benchmarks.md). With the minutes,
-- a settled partial day is counted from inferred_cold_days too (minute
-- resolution, like every range). Empty on rows settled before this
-- migration: their settlements are dropped, so the coldstarts job settles
-- those days again (until then they are inferred from instances, exactly).
ALTER TABLE inferred_cold_days ADD COLUMN first_minutes Array(UInt16);

TRUNCATE TABLE settled_days;
