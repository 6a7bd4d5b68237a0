-- function_minute is no longer read: the views read whole hours from
-- function_hour and function_usage_hour and the partial hours at a range's
-- ends from raw rows (primary key and daily partitions find those fast),
-- and series with buckets under an hour read raw rows. Dropping it removes
-- a materialized view with two t-digest states per row from every insert.
DROP TABLE IF EXISTS function_minute_mv;
DROP TABLE IF EXISTS function_minute;
