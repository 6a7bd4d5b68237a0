// Command faascope is the single faascope binary: "serve" runs the OTLP
// receivers, the writer and the API in one process on a managed local
// ClickHouse (or an external one), "migrate" applies the schema, "version"
// prints the build. cmd wires packages together; nothing imports it.
package main
