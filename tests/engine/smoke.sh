#!/usr/bin/env bash
# End-to-end check of the CI engine: start, create an index, bulk two documents, search them back,
# restart on the same data, find them again, write one more, SIGKILL, restart, find it, stop.
# Prints timings and "N passed, N failed".
# Uses its own PID file and port (ENGINE_PORT, default 9200) and stops the node it started.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export ENGINE_PID_FILE="${ENGINE_PID_FILE:-/tmp/emsoc-engine-smoke.pid}"
url="http://127.0.0.1:${ENGINE_PORT:-9200}"
index="emsoc-smoke"
passed=0
failed=0

check() { # name, command...
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}
json() { curl -s --max-time 30 -H 'content-type: application/json' "$@"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
rss_mb() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$(cat "$ENGINE_PID_FILE")/status"; }

cleanup() { "$here/stop.sh" >/dev/null 2>&1 || true; }
trap cleanup EXIT

t0=$(now)
line="$("$here/start.sh")" || { echo "FAIL start"; echo "0 passed, 1 failed"; exit 1; }
t1=$(now)
echo "$line"
echo "start_to_yellow_s=$(secs "$t0" "$t1") rss_mb=$(rss_mb)"

created="$(json -XPUT "$url/$index" -d '{
  "settings": { "number_of_shards": 1, "number_of_replicas": 0 },
  "mappings": { "properties": { "msg": { "type": "text" }, "host": { "type": "keyword" }, "ts": { "type": "date" } } }
}')"
check "create index" grep -q '"acknowledged":true' <<<"$created"

bulk="$(printf '%s\n' \
  '{"index":{"_id":"1"}}' '{"msg":"failed login for admin","host":"ra-01","ts":"2026-11-29T10:00:00Z"}' \
  '{"index":{"_id":"2"}}' '{"msg":"certificate revoked by RA operator","host":"ra-02","ts":"2026-11-29T10:01:00Z"}' |
  curl -s --max-time 30 -XPOST "$url/$index/_bulk?refresh=true" -H 'content-type: application/x-ndjson' --data-binary @-)"
check "bulk two docs without errors" grep -q '"errors":false' <<<"$bulk"

search() { json "$url/$index/_search" -d '{"query":{"match":{"msg":"revoked"}}}'; }
count() { json "$url/$index/_count"; }
check "search finds doc 2" grep -q '"_id":"2"' <<<"$(search)"
check "count is 2" grep -q '"count":2' <<<"$(count)"

t2=$(now)
restart_line="$("$here/restart-same-data.sh")"
t3=$(now)
check "restart on same data" grep -q '^engine=' <<<"$restart_line"
echo "restart_to_yellow_s=$(secs "$t2" "$t3")"
check "count still 2 after restart" grep -q '"count":2' <<<"$(count)"
check "search still finds doc 2 after restart" grep -q '"_id":"2"' <<<"$(search)"

# A hard kill right after an acknowledged write (no refresh): the translog must bring the doc back.
ack="$(json -XPUT "$url/$index/_doc/3" -d '{"msg":"written just before a crash","host":"ra-03","ts":"2026-11-29T10:02:00Z"}')"
check "index doc 3 without refresh" grep -q '"result":"created"' <<<"$ack"
ENGINE_STOP_TIMEOUT=0 "$here/stop.sh" --keep-data 2>/dev/null
t4=$(now)
check "start after SIGKILL on same data" grep -q '^engine=' <<<"$("$here/start.sh" --reuse-data)"
t5=$(now)
echo "start_after_kill_to_yellow_s=$(secs "$t4" "$t5")"
check "count is 3 after SIGKILL and restart" grep -q '"count":3' <<<"$(count)"

dir="$(cat "$ENGINE_PID_FILE.dir")"
"$here/stop.sh" >/dev/null 2>&1
check "stop removes the temporary folder" test ! -e "$dir"
check "stop frees the port" sh -c "! curl -s -o /dev/null --max-time 2 '$url/_cluster/health'"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
