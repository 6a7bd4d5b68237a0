// Package analyzer reads ClickHouse and answers the questions users ask of
// their functions: per-function counts, cold starts (explicit flags plus
// inference from instance first-seen times), throttles and errors. Later it
// holds the keep-warm recommender and alert evaluation.
//
// Every query is parameterized (nothing from a request is spliced into SQL),
// bounded in rows and time, and runs on ClickHouse 18.16 and current releases.
// analyzer imports schemas, billing and internal; never collector or dashboard.
package analyzer
