// Package keepwarm recommends, per function, what to do about cold starts:
// nothing, a phase-locked ping before a periodic call, an active-hours pinger
// warming k instances, a 24/7 pinger, or reserved warm capacity
// (provisioned concurrency on AWS, always-ready instances on Azure Flex, min
// instances on Cloud Run), and it replays a trace to measure what each
// choice would have done. ../shared/keepwarm.md is the binding
// specification; section numbers in comments (§5.3b, §6.1, …) refer to it.
//
//   - Recommend (recommend.go) trains on a window of invocations: it fits the
//     idle eviction time from the function's own cold starts (eviction.go),
//     attributes each cold start (attribution.go), finds active hours with a
//     binomial test (profile.go), detects a periodic phase (phase.go) and the
//     session-start burst size (burst.go), builds the candidate actions
//     (candidates.go, levels.go) and scores each by replaying the window
//     (replay.go) and pricing the replay with the billing catalog (cost.go).
//   - Compare (compare.go) trains on the first part of a window and replays
//     the rest under no keep-warm, a fixed 10-minute keep-alive, a 24/7
//     5-minute pinger, the hybrid histogram policy (hybrid.go) and the
//     recommendation: the holdout evaluation of §6.
//   - Schedules are emitted as standard 5-field crons and AWS EventBridge
//     crons (cron.go), in UTC.
//
// The package is pure: no I/O, no clock, no globals that change; random
// draws (ping reliability, bootstrap) come from Params.Seed, so the same input
// gives the same output.
package keepwarm
