#!/usr/bin/env bash
# Posts a small OTLP/JSON export to faascope: two invocations of an AWS Lambda
# function (the first one cold), one throttled call to another function, and a
# Cloud Run function invocation. Timestamps are "now", so the default API range
# (last 24 h) shows them. Usage: demo-traces.sh [http://127.0.0.1:4318]
set -euo pipefail
endpoint="${1:-http://127.0.0.1:4318}"

now=$(date +%s%N)
t() { echo $((now - $1 * 1000000000)); }            # seconds ago -> unix ns
rnd() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; } # n random bytes as hex

attr()  { printf '{"key":"%s","value":{"stringValue":"%s"}}' "$1" "$2"; }
iattr() { printf '{"key":"%s","value":{"intValue":"%s"}}' "$1" "$2"; }
battr() { printf '{"key":"%s","value":{"boolValue":%s}}' "$1" "$2"; }

# span NAME KIND START_S_AGO DURATION_MS ATTRS [STATUS_CODE]
span() {
  local start end
  start=$(t "$3"); end=$((start + $4 * 1000000))
  printf '{"traceId":"%s","spanId":"%s","name":"%s","kind":%s,"startTimeUnixNano":"%s","endTimeUnixNano":"%s","attributes":[%s],"status":{"code":%s}}' \
    "$(rnd 16)" "$(rnd 8)" "$1" "$2" "$start" "$end" "$5" "${6:-0}"
}

arn="arn:aws:lambda:us-east-1:123456789012:function:checkout-api"
lambda_resource="$(attr cloud.provider aws),$(attr cloud.platform aws_lambda),$(attr cloud.region us-east-1),$(attr faas.name checkout-api),$(attr service.name checkout-api),$(iattr faas.max_memory 536870912),$(attr faas.instance "2026/11/22/[\$LATEST]demo$(rnd 4)")"
invocation() { # START_S_AGO DURATION_MS COLD
  span checkout-api 2 "$1" "$2" "$(attr faas.invocation_id "$(rnd 8)"),$(attr cloud.resource_id "$arn:live"),$(attr cloud.account.id 123456789012),$(battr faas.coldstart "$3")"
}
throttle="$(span 'billing-worker Invoke' 3 30 12 "$(attr rpc.system aws-api),$(attr rpc.service Lambda),$(attr rpc.method Invoke),$(attr faas.invoked_name billing-worker),$(attr faas.invoked_provider aws),$(attr cloud.region us-east-1),$(iattr http.response.status_code 429)" 2)"
gcp_resource="$(attr cloud.provider gcp),$(attr cloud.platform gcp_cloud_functions),$(attr cloud.region europe-west1),$(attr cloud.account.id demo-project),$(attr faas.name image-resizer),$(attr faas.instance "$(rnd 8)")"

body=$(printf '{"resourceSpans":[{"resource":{"attributes":[%s]},"scopeSpans":[{"scope":{"name":"demo"},"spans":[%s,%s,%s]}]},{"resource":{"attributes":[%s]},"scopeSpans":[{"scope":{"name":"demo"},"spans":[%s]}]}]}' \
  "$lambda_resource" "$(invocation 90 840 true)" "$(invocation 60 35 false)" "$throttle" \
  "$gcp_resource" "$(span POST 2 45 120 "$(attr http.request.method POST),$(iattr http.response.status_code 200)")")

curl -fsS -X POST -H 'Content-Type: application/json' --data "$body" "$endpoint/v1/traces"
echo
