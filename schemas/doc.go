// Package schemas is faascope's data contract: the Go record types of what is
// stored (Invocation) and the ClickHouse DDL as ordered, embedded migrations
// with their schema_migrations bookkeeping.
//
// Every statement must run unchanged on ClickHouse 18.16 and on current
// releases (../shared/clickhouse-compat.md). Every migration statement is
// idempotent (IF NOT EXISTS), so two processes migrating at once, or a
// migration interrupted half way, converge on the same schema.
//
// schemas imports only the standard library and clickhouse-go.
package schemas
