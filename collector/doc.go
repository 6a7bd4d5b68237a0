// Package collector receives OTLP traces and turns them into stored invocation
// records: the gRPC (TraceService/Export) and HTTP (/v1/traces, protobuf and
// JSON, gzip) receivers, the pure normalizer that maps FaaS spans to
// schemas.Invocation following the OpenTelemetry FaaS conventions and what real
// instrumentations send, and the batch writer that commits records to
// ClickHouse before an export is acknowledged.
//
// It is the only package that imports pdata and grpc. It may import schemas,
// billing (metering only) and internal; never analyzer or dashboard.
package collector
