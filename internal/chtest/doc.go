// Package chtest owns the test setup for everything that touches storage:
// one real, throwaway ClickHouse server per test package (never a mock) and
// a fresh database per test.
//
// Usage:
//
//	func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		c := chtest.NewDatabase(t) // *chclient.Client on test_<random>, dropped at cleanup
//		...
//	}
//
// Main starts clickhouse-server through package chlocal in a temporary
// directory. A missing binary fails the test binary with instructions; it
// never skips.
//
// Environment:
//
//	FAASCOPE_TEST_CLICKHOUSE_ADDR    host:port of an external server (native
//	                                 protocol) to use instead of starting one
//	FAASCOPE_TEST_CLICKHOUSE_BINARY  server binary for the managed server
//	                                 (default: chlocal.FindBinary search)
package chtest
