// Package alerts is the pure core of faascope's alerting: rules (metric,
// filter, group by, condition, window, for, minimum invocations, severity,
// labels, annotation templates, repeat interval), their validation, the
// built-in rules, and Evaluate, the per-group state machine inactive →
// pending → firing → resolved of Prometheus's rule manager, which turns an
// evaluation's samples into the next states and the notifications to send.
//
// The package does no I/O and reads no clock: the caller (the scheduler's
// alerts job) measures each rule through a Source, loads and stores the
// states, and hands the notifications to internal/notify. Everything is
// deterministic, so a restart that reloads the stored states announces
// nothing twice. docs/alerts.md is the user-facing description.
//
// alerts imports internal/notify (for the Notification it produces) and
// the standard library; analyzer implements Source, so alerts never
// imports analyzer.
package alerts
