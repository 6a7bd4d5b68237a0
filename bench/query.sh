#!/usr/bin/env bash
# Query latency of the function list, the function detail and the monthly
# costs (GET /api/v1/functions, /functions/{id}, /costs) as the invocations
# table grows.
# faascope serve runs on its own managed ClickHouse in a scratch directory;
# the invocations table is filled server-side with INSERT ... SELECT FROM
# numbers() (the materialized views fire as on real ingest, so the hour
# rollups and instances fill like they do in production), in cumulative tiers. After
# each tier: wait for background merges, OPTIMIZE ... FINAL the rollups (what
# a long-running table settles to), then time /api/v1/functions?from=30d, a
# list whose ends are not minute-aligned (RFC 3339 with seconds: widened to
# whole minutes, whose rows lie in the data), the detail of the most invoked function over
# 30 days, and /costs for the month before T0 (by function, free tier and
# line items), 3 warm-up + 50 timed requests each, and check the API's counts
# (invocations, errors, timeouts, throttles, and cold starts against the
# instances: each instance starts cold once) against the stored rows (exact:
# the range covers all rows and both of its ends are unaligned). Before the
# timing the coldstarts job runs twice, as the scheduler would have by then.
#
# Usage: [CHUNK=10000000] [MERGE_WAIT=120] [OPTIMIZE_INVOCATIONS=0] [KEEP=0] \
#        [API_PORT=28187 OTLP_GRPC_PORT=28317 OTLP_HTTP_PORT=28318] \
#        bash bench/query.sh [TIER_ROWS ...]
#        (default tiers: 1000000 10000000 100000000 stored rows, cumulative)
#
# Synthetic rows (one generator, deterministic: every value is a hash of the
# row's global number g, so a rerun stores the same data):
#  - g is cut into instances of 100 consecutive rows: one function and one
#    execution environment (instance_id) per instance, its 100 invocations
#    spread over up to 2 h from a start uniform in the 30 days before the
#    script started (T0), in order. So invocations are uniform over the last
#    30 days, and instances has one row per 100 invocations (~1% cold starts).
#  - 500 functions fn-000..fn-499, skewed like real traffic (fn = 500*u^2:
#    fn-000 gets ~4.5% of rows, fn-499 ~0.1%); per function a fixed provider
#    (aws 60%, gcp 20%, azure 20%), one of 3 accounts and 3 regions of that
#    provider, runtime, architecture, memory (128..1536 MB), mean duration
#    (20..800 ms, exponential), trigger and billing plan.
#  - ~1% throttle rows (no instance, outcome throttled, HTTP 429); of the
#    invocations ~1% error, ~0.3% timeout (duration = the 30 s timeout), else ok.
#  - cold starts: the first invocation of each instance. 80% of the functions
#    send faas.coldstart (cold_start_source 'explicit' on every row, cold_start
#    on the first); the rest send no flag ('unknown', cold_start 0), which
#    faascope infers from the instances table.
#  - random-looking hex trace_id (32), span_id (16), UUID invocation_id.
#
# Why not OPTIMIZE TABLE invocations FINAL: it rewrites every raw row. On the
# shared 2-vCPU bench machine it took 6.0 s at 1M rows (~170k rows/s; by
# rows/s ~1 min at 10M and ~10 min at 100M, not measured there). The timed
# requests read no raw row (the edge minutes come from
# function_usage_minute), so the script waits
# for background merges (up to MERGE_WAIT s, what production gets; again
# before the timed requests, with the kernel's writeback) and leaves
# invocations alone; OPTIMIZE_INVOCATIONS=1 optimizes it too. The hour
# rollups and instances are optimized: their queries read every part of the range.
#
# Memory: an INSERT ... SELECT squashes ~1M-row blocks, and each block runs
# the materialized views (hour groups with t-digest states, plain sums, instances).
# CHUNK rows go in one statement; the script reports the largest insert's
# peak memory next to the server's max_memory_usage.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

tiers=("$@")
[ ${#tiers[@]} -gt 0 ] || tiers=(1000000 10000000 100000000)
chunk=${CHUNK:-10000000}
merge_wait=${MERGE_WAIT:-120}
warmup=3
timed=50
prev=0
for t in "${tiers[@]}"; do
  [[ $t =~ ^[0-9]+$ ]] && [ "$t" -gt "$prev" ] || { echo "tiers must be increasing row counts, got $t after $prev" >&2; exit 2; }
  prev=$t
done

work=$(mktemp -d /tmp/faascope-bench.XXXXXX)
FAASCOPE_PID=
# KEEP=1 leaves faascope and its ClickHouse running with the data, to profile queries by hand.
if [ "${KEEP:-0}" = 1 ]; then
  trap 'echo "kept: $work (faascope pid $FAASCOPE_PID, API $API, ClickHouse HTTP $CH_HTTP)" >&2' EXIT
else
  trap '[ -z "$FAASCOPE_PID" ] || stop_faascope; rm -rf "$work"' EXIT
fi

make --no-print-directory build >/dev/null
# The hourly keepwarm job reads every function's traffic (minutes of CPU at
# 100M rows) and the reports job a month of costs: timings that met either
# measured the job. Their schedules are off; coldstarts (run by hand below,
# and every 10 minutes) and alerts (every minute) keep theirs.
printf 'scheduler:\n  jobs:\n    keepwarm:\n      enabled: false\n    reports:\n      enabled: false\n' >"$work/faascope.yaml"
export FAASCOPE_CONFIG=$work/faascope.yaml
start_faascope_at "$work" "${API_PORT:-28187}" "${OTLP_GRPC_PORT:-28317}" "${OTLP_HTTP_PORT:-28318}"

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }
log() { echo "$*" >&2; notes+=("$*"); }
notes=()
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# T0: minute-aligned end of the generated data; every row has ts < T0.
t0=$(( $(date +%s) / 60 * 60 ))
day=86400
# Covers all rows, both ends not minute-aligned: used for the exactness check.
check_from=$(iso $((t0 - 30 * day - 13))); check_to=$(iso $((t0 + 47)))
# 29 days inside the data, both ends not minute-aligned: the edge minutes hold rows.
unal_from=$(iso $((t0 - 29 * day + 17))); unal_to=$(iso $((t0 - 3600 - 17)))
# The month before T0's: mostly covered by the 30 days of data.
cost_month=$(date -u -d "$(date -u -d "@$t0" +%Y-%m-01) - 1 day" +%Y-%m)

# insert_rows OFFSET COUNT: rows g = OFFSET .. OFFSET+COUNT-1 in one statement.
insert_rows() {
  local q
  q="INSERT INTO invocations (tenant, provider, platform, region, account_id, function_name,
    function_id, invoked_arn, function_version, runtime, architecture, memory_mb, instance_id,
    invocation_id, trace_id, span_id, service_name, trigger_type, ts, ts_ns, duration_ms,
    init_duration_ms, billed_duration_ms, billed_memory_mb, billing_plan, record_type, outcome,
    error_type, http_status, cold_start, cold_start_source)
SELECT 'default', prov,
    ['aws_lambda', 'gcp_cloud_functions', 'azure.functions'][pi + 1],
    reg, acct, fname,
    multiIf(pi = 0, concat('arn:aws:lambda:', reg, ':', acct, ':function:', fname),
            pi = 1, concat('projects/', acct, '/locations/', reg, '/functions/', fname),
            concat('/subscriptions/', acct, '/resourceGroups/rg-prod/providers/Microsoft.Web/sites/', fname)),
    if(pi = 0, concat('arn:aws:lambda:', reg, ':', acct, ':function:', fname, if(fh % 4 = 0, ':live', '')), ''),
    if(pi = 0, if(fh % 4 = 0, toString(1 + intDiv(fh, 7) % 40), '\$LATEST'), ''),
    ['nodejs20.x', 'python3.12', 'java21', 'go1.x', 'dotnet8', 'ruby3.3'][intDiv(fh, 11) % 6 + 1],
    if(pi = 0 AND intDiv(fh, 13) % 3 = 0, 'arm64', 'x86_64'),
    mem,
    if(throttled, '', lower(hex(toFixedString(reinterpretAsString(cityHash64(inst, 2)), 8)))),
    concat(substring(id1, 1, 8), '-', substring(id1, 9, 4), '-4', substring(id1, 14, 3), '-a', substring(id2, 2, 3), '-', substring(id2, 5, 12)),
    concat(id3, id4), id5,
    fname,
    ['http', 'pubsub', 'datasource', 'timer'][intDiv(fh, 17) % 4 + 1],
    toDateTime(tsec), toUInt32(cityHash64(g, 9) % 1000000000),
    dur, init, billed, if(throttled, 0, mem),
    ['aws_lambda', 'gcp_functions_gen1', 'azure_consumption'][pi + 1],
    if(throttled, 'throttle', 'invocation'),
    multiIf(throttled, 'throttled', oc < 10, 'error', oc < 13, 'timeout', 'ok'),
    multiIf(throttled, 'TooManyRequestsException', oc < 10, ['Error', 'TypeError', 'ValueError', 'RuntimeError'][oc % 4 + 1], oc < 13, 'Timeout', ''),
    toUInt16(multiIf(throttled, 429, oc < 10, 500, oc < 13, 504, 200)),
    toUInt8(cold), if(explicit AND NOT throttled, 'explicit', 'unknown')
FROM (
  SELECT *,
    if(throttled, 0., multiIf(oc >= 10 AND oc < 13, 30000. + (cityHash64(g, 10) % 1000) / 10., -log((cityHash64(g, 11) % 1000000 + 1) / 1000001.) * mean_ms)) AS dur,
    if(cold, 150. - log((cityHash64(g, 12) % 1000000 + 1) / 1000001.) * 300., 0.) AS init,
    toUInt32(multiIf(throttled, 0, pi = 0, ceil(dur + init), pi = 1, ceil(dur / 100) * 100, greatest(100, ceil(dur)))) AS billed,
    lower(hex(toFixedString(reinterpretAsString(cityHash64(g, 3)), 8))) AS id1,
    lower(hex(toFixedString(reinterpretAsString(cityHash64(g, 4)), 8))) AS id2,
    lower(hex(toFixedString(reinterpretAsString(cityHash64(g, 5)), 8))) AS id3,
    lower(hex(toFixedString(reinterpretAsString(cityHash64(g, 13)), 8))) AS id4,
    lower(hex(toFixedString(reinterpretAsString(cityHash64(g, 14)), 8))) AS id5
  FROM (
    SELECT *,
      ['aws', 'gcp', 'azure'][pi + 1] AS prov,
      [['us-east-1', 'eu-west-1', 'ap-southeast-2'], ['us-central1', 'europe-west1', 'asia-east1'], ['eastus', 'westeurope', 'japaneast']][pi + 1][fh % 3 + 1] AS reg,
      [['123456789012', '210987654321', '345678901234'], ['acme-prod', 'acme-staging', 'acme-data'],
       ['0f6c2a4e-8b1d-4c7a-9e35-2d4b6f8a1c90', '7a1e9c3d-5b2f-4e8a-b6d4-1c3e5f7a9b02', 'c4d8e2f6-1a3b-4c5d-8e9f-0a1b2c3d4e5f']][pi + 1][intDiv(fh, 3) % 3 + 1] AS acct,
      concat('fn-', substring(toString(1000 + fn), 2)) AS fname,
      [128, 256, 512, 1024, 1536][intDiv(fh, 23) % 5 + 1] AS mem,
      [20., 50., 120., 300., 800.][intDiv(fh, 29) % 5 + 1] AS mean_ms,
      intDiv(fh, 31) % 5 != 0 AS explicit,
      explicit AND g % 100 = 0 AS cold,
      g % 100 != 0 AND cityHash64(g, 7) % 100 = 0 AS throttled,
      cityHash64(g, 8) % 1000 AS oc,
      inst_start + (g % 100) * 72 + cityHash64(g, 6) % 72 AS tsec
    FROM (
      SELECT number + $1 AS g, intDiv(g, 100) AS inst,
        toUInt32(500 * pow((cityHash64(inst, 1) % 1000000) / 1000000., 2)) AS fn,
        cityHash64(fn, 99) AS fh, fn % 10 < 6 ? 0 : (fn % 10 < 8 ? 1 : 2) AS pi,
        $t0 - 7200 - cityHash64(inst, 3) % ($((30 * day)) - 7200) AS inst_start
      FROM numbers($2)
    )
  )
)"
  curl -fsS "http://$CH_HTTP/?database=faascope&query_id=$3" --data-binary "$q" || { echo "insert failed" >&2; return 1; }
}

# wait_while WHAT COMMAND...: run COMMAND every 2 s while it succeeds, at
# most MERGE_WAIT seconds (then logs that WHAT is still going on); prints the
# seconds waited.
wait_while() {
  local what=$1 start
  shift
  start=$(now)
  while "$@"; do
    [ "$(echo "$(elapsed "$start") < $merge_wait" | bc)" = 1 ] || { log "  $what still going on after ${merge_wait}s"; break; }
    sleep 2
  done
  printf '%.1f' "$(elapsed "$start")"
}
merges_running() { [ "$(sql "SELECT count() FROM system.merges WHERE database = 'faascope'")" != 0 ]; }
# More than 64 MiB of dirty pages: the kernel is still writing an insert back.
writeback_pending() { [ "$(awk '/^Dirty:/ { print ($2 > 65536) }' /proc/meminfo)" = 1 ]; }

# measure URL: warm-up, then prints "p50 p95 max" in ms over the timed requests.
measure() {
  local i
  for i in $(seq "$warmup"); do curl -fsS -o /dev/null "$1"; done
  for i in $(seq "$timed"); do curl -fsS -o /dev/null -w '%{time_total}\n' "$1"; done | latency_ms
}

echo "machine: $(machine); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ClickHouse $(sql 'SELECT version()'), max_memory_usage $(sql "SELECT value FROM system.settings WHERE name = 'max_memory_usage'"); data ends at T0 = $(iso "$t0"); CHUNK=$chunk"
echo
echo "| stored invocations | insert rows/s | /functions 30d p50 ms | p95 | max | unaligned list p50 | p95 | detail 30d p50 | p95 | costs month p50 | p95 | invocations bytes/row |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"

stored=0
script_start=$(now)
for tier in "${tiers[@]}"; do
  tier_start=$(now)
  ins_start=$(now)
  peak=0
  while [ "$stored" -lt "$tier" ]; do
    n=$(( tier - stored < chunk ? tier - stored : chunk ))
    qid=bench-insert-$stored
    insert_rows "$stored" "$n" "$qid"
    stored=$((stored + n))
  done
  ins_s=$(elapsed "$ins_start")
  rate=$(echo "$((tier - ${last_tier:-0})) / $ins_s" | bc)
  sql "SYSTEM FLUSH LOGS" >/dev/null 2>&1 || true
  peak=$(sql "SELECT intDiv(max(memory_usage), 1048576) FROM system.query_log WHERE type = 2 AND query_id LIKE 'bench-insert-%'")
  log "tier $tier: inserted $((tier - ${last_tier:-0})) rows in ${ins_s%.*}s ($rate rows/s), largest insert peak memory ${peak} MiB"
  last_tier=$tier

  merge_s=$(wait_while merges merges_running)
  t=$(now); for r in function_hour function_usage_hour function_usage_minute function_day function_usage_day; do sql "OPTIMIZE TABLE $r FINAL"; done; fm_s=$(elapsed "$t")
  t=$(now); sql "OPTIMIZE TABLE instance_days FINAL"; in_s=$(elapsed "$t")
  inv_opt=no
  if [ "${OPTIMIZE_INVOCATIONS:-0}" = 1 ]; then
    t=$(now); sql "OPTIMIZE TABLE invocations FINAL"; inv_opt=$(printf '%.1fs' "$(elapsed "$t")")
  fi
  # In production the coldstarts job settles past days' inferred cold starts
  # and builds the windows of latency states every 10 minutes; run it now,
  # twice (a run settles only what was quiet since the previous one), so the
  # timed queries see the steady state.
  t=$(now); run_job coldstarts; run_job coldstarts; settle_s=$(elapsed "$t")
  parts=$(sql "SELECT table, count(), sum(rows), sum(bytes_on_disk) FROM system.parts WHERE active AND database = 'faascope' GROUP BY table ORDER BY table")
  log "tier $tier: waited ${merge_s}s for merges; OPTIMIZE FINAL hour and day rollups $(printf '%.1f' "$fm_s")s, instances $(printf '%.1f' "$in_s")s, invocations $inv_opt; coldstarts job twice $(printf '%.1f' "$settle_s")s; active parts (table, parts, rows, bytes): $(tr '\t\n' ' ;' <<<"$parts")"

  # Exactness: the covering unaligned range must count every stored row.
  body=$(curl -fsS "$API/api/v1/functions?from=$check_from&to=$check_to&limit=1000")
  read -r api_inv api_err api_tmo api_thr api_cold nfn < <(python3 -c '
import json, sys
f = json.load(sys.stdin)["functions"]
print(*(sum(x[k] for x in f) for k in ("invocations", "errors", "timeouts", "throttles", "cold_starts")), len(f))' <<<"$body")
  read -r db_rows db_inv db_err db_tmo db_thr db_inst < <(sql "SELECT count(), countIf(record_type = 'invocation'),
      countIf(record_type = 'invocation' AND outcome = 'error'), countIf(record_type = 'invocation' AND outcome = 'timeout'),
      countIf(record_type = 'throttle'), uniqExactIf(instance_id, record_type = 'invocation') FROM invocations")
  log "check: API invocations = $api_inv, inserted invocation rows = $db_inv (stored rows $db_rows = $tier inserted, throttles $db_thr)"
  log "check: API errors/timeouts/throttles = $api_err/$api_tmo/$api_thr, stored = $db_err/$db_tmo/$db_thr; API cold starts $api_cold (instances $db_inst); $nfn functions"
  if [ "$api_inv" != "$db_inv" ] || [ "$db_rows" != "$tier" ] || [ "$api_err/$api_tmo/$api_thr" != "$db_err/$db_tmo/$db_thr" ] || [ "$api_cold" != "$db_inst" ]; then
    echo "check FAILED at tier $tier" >&2; exit 1
  fi

  top=$(python3 -c 'import json, sys, urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["functions"][0]["id"], safe=""))' <<<"$body")
  # The checks above scan the raw table, the raw table's merges resume after
  # OPTIMIZE, and the kernel is still writing the insert's gigabytes back:
  # time the queries once merges and writeback are done, as on a server that
  # is not digesting a 10M-row insert.
  log "tier $tier: waited $(wait_while merges merges_running)s for merges and $(wait_while writeback writeback_pending)s for writeback before timing (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  read -r p50 p95 pmax < <(measure "$API/api/v1/functions?from=30d")
  read -r u50 u95 _ < <(measure "$API/api/v1/functions?from=$unal_from&to=$unal_to")
  read -r d50 d95 _ < <(measure "$API/api/v1/functions/$top?from=30d")
  read -r c50 c95 _ < <(measure "$API/api/v1/costs?month=$cost_month")
  inv_bpr=$(awk -F'\t' '$1 == "invocations" { printf "%.1f", $4 / $3 }' <<<"$parts")
  echo "| $tier | $rate | $p50 | $p95 | $pmax | $u50 | $u95 | $d50 | $d95 | $c50 | $c95 | $inv_bpr |"
  log "tier $tier: took $(printf '%.0f' "$(elapsed "$tier_start")")s in all"
done

echo
echo "unaligned range: from=$unal_from to=$unal_to; check range: from=$check_from to=$check_to; detail: the most invoked function; costs: month=$cost_month"
echo "$warmup warm-up + $timed timed sequential requests per range; total $(printf '%.0f' "$(elapsed "$script_start")")s"
printf '%s\n' "${notes[@]}"
