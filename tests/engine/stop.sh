#!/usr/bin/env bash
# Stops the engine started by start.sh: SIGTERM, then SIGKILL after ${ENGINE_STOP_TIMEOUT:-30} s.
#
#   tests/engine/stop.sh               and delete its temporary folder (data, logs)
#   tests/engine/stop.sh --keep-data   keep the folder so that `start.sh --reuse-data` finds the data again
#
# A folder given through ENGINE_DATA_DIR is never deleted. Stopping when nothing runs is not an error.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

keep=0
for arg in "$@"; do
  case "$arg" in
    --keep-data) keep=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) engine_die "unknown argument: $arg" ;;
  esac
done

stop_timeout="${ENGINE_STOP_TIMEOUT:-30}"
pid="$(engine_running_pid)"
if [ -n "$pid" ]; then
  kill -TERM "$pid" 2>/dev/null || true
  waited=0
  while engine_alive "$pid"; do
    if [ "$waited" -ge $(( stop_timeout * 5 )) ]; then
      engine_log "pid $pid still alive after ${stop_timeout}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
    waited=$(( waited + 1 ))
  done
  while engine_alive "$pid"; do sleep 0.2; done # after SIGKILL: gone before its files are touched
  engine_log "stopped pid $pid"
else
  engine_log "no running engine for $ENGINE_PID_FILE"
fi
rm -f "$ENGINE_PID_FILE"

if [ "$keep" = 0 ] && [ -f "$ENGINE_STATE_FILE" ]; then
  dir="$(cat "$ENGINE_STATE_FILE")"
  if [ -n "$dir" ] && [ -f "$dir/$ENGINE_TEMP_MARKER" ]; then
    rm -rf -- "$dir"
    engine_log "removed $dir"
  fi
  rm -f "$ENGINE_STATE_FILE"
fi
