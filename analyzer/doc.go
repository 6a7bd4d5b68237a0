// Package analyzer reads ClickHouse and answers the questions users ask of
// their functions: the function list (filters, sort, pages), one function's
// detail (percentiles, configurations, cost items, a right-size hint), time
// series, cold-start breakdowns, monthly costs with free and volume tiers
// applied per account, the month-end projection, and the keep-warm
// recommender's input and stored results (the recommender itself is the
// pure package analyzer/keepwarm).
//
// Every view sums usage from the day, hour and minute rollups (whole days,
// then the hours and minutes left at a range's ends; usage.go), so its cost
// grows with functions and days, not with invocations; ranges are answered
// at minute resolution. Cold starts are flagged ones plus instances first
// seen in the range (inferred where all data meets, from instance_days).
//
// Every query is parameterized (nothing from a request is spliced into SQL),
// bounded in rows and time, and runs on ClickHouse 18.16 and current releases.
// analyzer imports schemas, billing and internal; never collector or dashboard.
package analyzer
