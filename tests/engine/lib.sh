# Shared by start.sh / stop.sh / restart-same-data.sh. Sourced, not run.
# shellcheck shell=bash

ENGINE_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ENGINE_PORT="${ENGINE_PORT:-9200}"
ENGINE_PID_FILE="${ENGINE_PID_FILE:-/tmp/emsoc-engine.pid}"
# The engine's folder (data, logs, home) is remembered beside the PID file so that a restart finds it.
ENGINE_STATE_FILE="${ENGINE_PID_FILE}.dir"
ENGINE_MAIN_CLASS="org.emsoc.engine.EngineMain"
# Marks a folder that start.sh created itself, and so may delete.
ENGINE_TEMP_MARKER=".emsoc-engine-temp"

engine_log() { echo "[engine] $*" >&2; }
engine_die() { engine_log "ERROR: $*"; exit 1; }

# True while the process exists and is not a zombie (exited, not yet reaped by its parent).
engine_alive() { kill -0 "$1" 2>/dev/null && [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" != Z ]; }

# Prints the PID from the PID file if that process is alive and is our launcher, else nothing.
engine_running_pid() {
  [ -f "$ENGINE_PID_FILE" ] || return 0
  local pid
  pid="$(tr -dc '0-9' < "$ENGINE_PID_FILE")"
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$ENGINE_MAIN_CLASS"; then
    echo "$pid"
  fi
}

# Major version of a java binary (17, 21, 25 ...), or 0.
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -1
}

# Elasticsearch 9 needs Java 21+. Takes ENGINE_JAVA_HOME, then JAVA_HOME, then the newest JDK under /usr/lib/jvm.
engine_find_java_home() {
  local candidates=()
  [ -n "${ENGINE_JAVA_HOME:-}" ] && candidates+=("$ENGINE_JAVA_HOME")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  local d
  for d in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${d%/}"); done
  for d in "${candidates[@]}"; do
    if [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] && [ "$(java_major "$d/bin/java")" -ge 21 ] 2>/dev/null; then
      echo "$d"
      return 0
    fi
  done
  return 1
}
