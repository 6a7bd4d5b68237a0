// Package loadgen generates realistic serverless traffic with a known ground
// truth and sends it to an OTLP endpoint, for demos, capacity tests, benchmarks
// and end-to-end tests of faascope itself.
//
// A Workload is a set of functions across providers and billing plans, each
// with memory, runtime, a log-normal duration distribution and an arrival
// pattern. Simulate replays the arrivals through an instance model that makes
// cold starts, scale-out and throttles happen the way platforms do, and
// produces Events in start-time order. Shapes turn events into OTLP spans that
// look like what the real instrumentations send (../shared/faas-telemetry.md
// §2), variations included. Truth accumulates, per function, what faascope
// should report for those spans.
//
// Everything is driven by one seed: the same seed, workload and end time give
// the same spans, byte for byte.
package loadgen
