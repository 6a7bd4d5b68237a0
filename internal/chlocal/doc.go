// Package chlocal owns the managed local ClickHouse server: a clickhouse-server
// child process that faascope starts when no external ClickHouse address is
// configured, and that the storage tests start as a throwaway server.
//
// Start finds the binary (FindBinary), writes a generated config.xml and
// users.xml into the data directory (root element <yandex>, accepted by
// 18.16 and by current servers), binds the native and HTTP ports to free
// loopback ports, waits until GET /ping answers "Ok.", and returns a Server.
// The child runs in its own process group with Pdeathsig SIGTERM so that it
// dies with faascope; Stop sends SIGTERM and escalates to SIGKILL. Server logs
// go to <data_dir>/log/ (server.log, error.log, stdout.log).
//
// One server per data directory: Start takes an exclusive lock on
// <data_dir>/chlocal.lock for the lifetime of the child, and clickhouse-server
// itself refuses a second instance on the same <path> (its "status" file).
//
// Connecting to the server is the job of package chclient.
package chlocal
