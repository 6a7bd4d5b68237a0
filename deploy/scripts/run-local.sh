#!/usr/bin/env bash
# make run: install ClickHouse if missing, build faascope, start it on its
# managed local ClickHouse, load the demo dataset on first start (3 days of
# the loadgen "demo" workload over OTLP/gRPC), show what the API reports,
# then keep serving until Ctrl-C.
#
# Environment: FAASCOPE_* variables configure faascope as usual
# (README "Configuration"); FAASCOPE_DEMO=0 skips the demo dataset;
# FAASCOPE_DEMO_BACKFILL sets its window (default 3d).
set -euo pipefail
cd "$(dirname "$0")/../.."

bash deploy/scripts/install-clickhouse.sh
make --no-print-directory build

api="${FAASCOPE_API_ADDR:-127.0.0.1:8080}"
otlp_http="${FAASCOPE_COLLECTOR_HTTP_ADDR:-127.0.0.1:4318}"
otlp_grpc="${FAASCOPE_COLLECTOR_GRPC_ADDR:-127.0.0.1:4317}"
data_dir="${FAASCOPE_DATA_DIR:-./data}"

bin/faascope serve "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid"' INT TERM

for _ in $(seq 1 120); do
  if curl -fsS "http://$api/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; exit 1; fi
  sleep 0.5
done
curl -fsS "http://$api/readyz" >/dev/null

if [ "${FAASCOPE_DEMO:-1}" != "0" ]; then
  # First start only: the marker keeps a restart from loading the demo twice.
  if [ ! -e "$data_dir/demo-truth.json" ]; then
    echo
    echo "== first start: loading the demo dataset (faascope loadgen --preset demo --backfill ${FAASCOPE_DEMO_BACKFILL:-3d})"
    bin/faascope loadgen --preset demo --backfill "${FAASCOPE_DEMO_BACKFILL:-3d}" \
      --endpoint "$otlp_grpc" --truth "$data_dir/demo-truth.json.tmp"
    mv "$data_dir/demo-truth.json.tmp" "$data_dir/demo-truth.json"
    echo "   ground truth of what was sent: $data_dir/demo-truth.json"
    # Acknowledged means queued on disk; wait until the queue has reached
    # ClickHouse so the first look shows everything.
    for _ in $(seq 1 600); do
      if curl -fsS "http://$api/metrics" | grep -x 'faascope_queue_depth_records 0' >/dev/null; then break; fi
      sleep 0.2
    done
  fi
  echo
  echo "== GET http://$api/api/v1/functions?from=7d&limit=10 (the busiest functions)"
  curl -fsS "http://$api/api/v1/functions?from=7d&limit=10" | python3 -c '
import json, sys
fns = json.load(sys.stdin)["functions"]
print("%-26s %-6s %12s %8s %9s %9s %10s" % ("function", "cloud", "invocations", "cold %", "throttles", "p95 ms", "cost USD"))
for f in fns:
    print("%-26s %-6s %12d %8.2f %9d %9.0f %10.4f" % (f["function"][:26], f["provider"], f["invocations"],
          100 * f["cold_start_rate"], f["throttles"], f["duration_p95_ms"], f["cost_usd"]))
' 2>/dev/null || curl -fsS "http://$api/api/v1/functions?from=7d&limit=10"
  echo
  echo "== GET http://$api/api/v1/costs?group_by=account (this month so far, free tier applied)"
  curl -fsS "http://$api/api/v1/costs?group_by=account" | python3 -c '
import json, sys
r = json.load(sys.stdin)
for g in r["groups"]:
    print("%-48s %12.4f USD" % (g["key"], g["cost_usd"]))
print("%-48s %12.4f USD" % ("total", r["total_usd"]))
' 2>/dev/null || curl -fsS "http://$api/api/v1/costs?group_by=account"
fi

cat <<MSG

faascope is running (pid $pid):
  OTLP gRPC  ${FAASCOPE_COLLECTOR_GRPC_ADDR:-127.0.0.1:4317}
  OTLP HTTP  http://$otlp_http/v1/traces
  API        http://$api/api/v1/functions   costs: http://$api/api/v1/costs   metrics: http://$api/metrics
  API docs   docs/api.md, http://$api/api/v1/openapi.json
Press Ctrl-C to stop.
MSG
wait "$pid"
