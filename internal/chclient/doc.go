// Package chclient owns the connection to ClickHouse, whether the managed
// local server (package chlocal) or an external server or cluster: the
// clickhouse.* connection settings and their validation, database creation,
// server version detection, and the version gates that let the same DDL run
// on ClickHouse 18.16 and on current releases (see DDLContext).
//
// All access uses the native protocol with LZ4 compression and int-valued
// settings only, as required by 18.16 (shared/clickhouse-compat.md §5, §8).
package chclient
