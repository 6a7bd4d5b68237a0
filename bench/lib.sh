# Shared helpers of the bench/ scripts: start and stop faascope on its own
# managed ClickHouse in a scratch directory, and run SQL on that ClickHouse.
# Source it; it expects to run from the repository root.

# start_faascope DIR: start_faascope_at on the bench's default ports
# (API 28080, OTLP gRPC 24317, OTLP HTTP 24318).
start_faascope() {
  start_faascope_at "$1" 28080 24317 24318
}

stop_faascope() {
  kill -INT "$FAASCOPE_PID" 2>/dev/null || true
  wait "$FAASCOPE_PID" 2>/dev/null || true
}

# sql QUERY: runs QUERY on the bench ClickHouse, tab-separated output.
sql() {
  curl -fsS "http://$CH_HTTP/?database=faascope" --data-binary "$1"
}

# cpu_seconds PID: user+system CPU time the process has used so far.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

# peak_rss_mb PID: the process's peak resident set (VmHWM) in MiB.
peak_rss_mb() {
  awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"
}

machine() {
  echo "$(nproc) vCPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3)"
}

# port_in_use PORT: true when something listens on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start_faascope_at DIR API_PORT OTLP_GRPC_PORT OTLP_HTTP_PORT: starts
# bin/faascope serve with data under DIR on these ports, and waits until it is
# ready. Refuses to start when any port is taken (the readiness probe would
# otherwise answer from another server). Sets FAASCOPE_PID, CH_HTTP (the
# managed ClickHouse's HTTP address), CH_PID and API (the API base URL).
start_faascope_at() {
  local dir=$1 port
  for port in "$2" "$3" "$4"; do
    if port_in_use "$port"; then echo "port $port is in use (another faascope?); pick others" >&2; return 1; fi
  done
  API=http://127.0.0.1:$2
  mkdir -p "$dir"
  bin/faascope serve --data-dir "$dir/data" \
    --otlp-grpc-addr "127.0.0.1:$3" --otlp-http-addr "127.0.0.1:$4" --api-addr "127.0.0.1:$2" \
    --log-level info 2>"$dir/serve.log" &
  FAASCOPE_PID=$!
  for _ in $(seq 1 120); do
    kill -0 "$FAASCOPE_PID" 2>/dev/null || { cat "$dir/serve.log" >&2; return 1; }
    if curl -fsS "$API/readyz" >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  CH_HTTP=$(grep -o 'http_addr=[0-9.:]*' "$dir/serve.log" | head -1 | cut -d= -f2)
  CH_PID=$(pgrep -P "$FAASCOPE_PID" clickhouse | head -1)
  [ -n "$CH_HTTP" ] && [ -n "$CH_PID" ] || { echo "cannot find the managed ClickHouse in $dir/serve.log" >&2; return 1; }
}

# latency_ms: reads durations in seconds (one a line) on stdin and prints
# "p50 p95 max" in milliseconds (nearest-rank percentiles).
latency_ms() {
  sort -g | awk '{ v[NR] = $1 * 1000 }
    END {
      if (NR == 0) { print "- - -"; exit }
      i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++
      i95 = int(NR * 0.95); if (i95 < NR * 0.95) i95++
      printf "%.1f %.1f %.1f\n", v[i50], v[i95], v[NR]
    }'
}

# run_job NAME: runs the scheduled job NAME now through the API and waits
# until that run has finished; fails unless it ended ok.
run_job() {
  local id status
  id=$(curl -fsS -X POST "$API/api/v1/jobs/$1/run" | python3 -c 'import json, sys; print(json.load(sys.stdin)["run_id"])')
  for _ in $(seq 1 1200); do
    status=$(curl -fsS "$API/api/v1/jobs" | python3 -c '
import json, sys
for j in json.load(sys.stdin)["jobs"]:
    r = j["last_run"] or {}
    if j["name"] == sys.argv[1] and r.get("run_id") == sys.argv[2] and not j["running"]:
        print(r["status"])' "$1" "$id")
    case $status in
      ok) return 0 ;;
      "") sleep 0.5 ;;
      *) echo "job $1 run $id ended $status" >&2; return 1 ;;
    esac
  done
  echo "job $1 run $id did not finish in 10 minutes" >&2; return 1
}
