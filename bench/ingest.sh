#!/usr/bin/env bash
# Ingest throughput end to end: faascope loadgen sends the "stress" workload
# (40 Lambda functions) as fast as faascope accepts it, over gRPC and over
# HTTP/protobuf, to faascope serve with its managed ClickHouse on the same
# machine. An export is answered once its records are fsynced to the durable
# queue ("accepted"); "committed" is measured until the queue has drained into
# ClickHouse, and the stored row count is checked against the truth. The same client then sends to bench/otlpsink
# (decode and discard) for the ceiling. Also reports faascope's CPU and peak
# RSS, ClickHouse's CPU, and bytes on disk per invocation from system.parts.
#
# Usage: [CONCURRENCY=8] [BATCH=1000] bash bench/ingest.sh [WINDOW]
#        (default 20m of simulated traffic, ~1.2M spans)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
window=${1:-20m}
end=2026-11-20T12:00:00Z
work=$(mktemp -d /tmp/faascope-bench.XXXXXX)
trap 'stop_faascope; kill "$sink_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
sink_pid=

make --no-print-directory build >/dev/null
go build -o bin/otlpsink ./bench/otlpsink

concurrency=${CONCURRENCY:-8}
batch=${BATCH:-1000}
loadgen() { # PROTOCOL ENDPOINT
  bin/faascope loadgen --preset stress --backfill "$window" --end "$end" --seed 1 --quiet \
    --concurrency "$concurrency" --batch "$batch" \
    --protocol "$1" --endpoint "$2" --truth "$work/truth.json"
}
# rate LOADGEN_OUTPUT: spans/s from loadgen's summary line.
rate() { sed -n 's/.*(\([0-9]*\) spans\/s).*/\1/p' <<<"$1"; }

echo "machine: $(machine)"
echo "workload: loadgen --preset stress --backfill $window (--batch $batch --concurrency $concurrency)"
echo
echo "| protocol | target | spans/s accepted | rows/s committed | rows stored / truth | faascope CPU s | faascope peak RSS MiB | ClickHouse CPU s | wall s |"
echo "|---|---|---|---|---|---|---|---|---|"
for proto in grpc http/protobuf; do
  start_faascope "$work/${proto//\//-}"
  endpoint=127.0.0.1:24317
  [ "$proto" = grpc ] || endpoint=http://127.0.0.1:24318
  cpu0=$(cpu_seconds "$FAASCOPE_PID"); ch0=$(cpu_seconds "$CH_PID"); t0=$(date +%s.%N)
  out=$(loadgen "$proto" "$endpoint")
  # Accepted means durable in the queue; committed means in ClickHouse:
  # wait for the shipper to drain the queue.
  until curl -fsS "$API/metrics" | grep -x 'faascope_queue_depth_records 0' >/dev/null; do sleep 0.1; done
  t1=$(date +%s.%N)
  cpu1=$(cpu_seconds "$FAASCOPE_PID"); ch1=$(cpu_seconds "$CH_PID")
  rows=$(sql "SELECT count() FROM invocations")
  want=$(python3 -c "import json;t=json.load(open('$work/truth.json'));print(sum(f['invocations']+f['throttles'] for f in t['functions']))")
  inits=$(sql "SELECT count() FROM invocations WHERE record_type = 'init'")
  wall=$(echo "$t1 - $t0" | bc)
  echo "| $proto | faascope | $(rate "$out") | $(echo "$rows / $wall" | bc) | $rows / $((want + inits)) | $(echo "$cpu1 - $cpu0" | bc) | $(peak_rss_mb "$FAASCOPE_PID") | $(echo "$ch1 - $ch0" | bc) | $wall |"
  if [ "$proto" = grpc ]; then
    # Merged parts are what a table settles to; fresh inserts are not.
    for t in invocations function_hour function_usage_hour function_usage_minute function_day function_usage_day instance_days; do sql "OPTIMIZE TABLE $t FINAL"; done
    columns=$(sql "SELECT name, sum(data_compressed_bytes) AS b FROM system.columns WHERE database = 'faascope' AND table = 'invocations' GROUP BY name ORDER BY b DESC LIMIT 8")
    storage=$(sql "SELECT table, sum(rows), sum(bytes_on_disk), sum(data_uncompressed_bytes) FROM system.parts WHERE active AND database = 'faascope' GROUP BY table ORDER BY table")
  fi
  stop_faascope
done

bin/otlpsink -grpc 127.0.0.1:24417 -http 127.0.0.1:24418 2>/dev/null &
sink_pid=$!
sleep 1
for proto in grpc http/protobuf; do
  endpoint=127.0.0.1:24417
  [ "$proto" = grpc ] || endpoint=http://127.0.0.1:24418
  out=$(loadgen "$proto" "$endpoint")
  echo "| $proto | otlpsink (decode, discard) | $(rate "$out") | - | - | - | - | - | - |"
done
kill -INT "$sink_pid"; wait "$sink_pid" 2>/dev/null || true; sink_pid=

echo
echo "storage after the gRPC run (system.parts, active parts; invocations rows include init spans):"
echo
echo "| table | rows | bytes on disk | uncompressed | bytes/invocation on disk |"
echo "|---|---|---|---|---|"
invocations=$(awk -F'\t' '$1 == "invocations" { print $2 }' <<<"$storage")
awk -F'\t' -v n="$invocations" '{ printf "| %s | %s | %s | %s | %.1f |\n", $1, $2, $3, $4, $3 / n }' <<<"$storage"

echo
echo "largest columns of invocations (compressed bytes per invocation):"
echo
echo "| column | bytes/invocation |"
echo "|---|---|"
awk -F'\t' -v n="$invocations" '{ printf "| %s | %.1f |\n", $1, $2 / n }' <<<"$columns"
