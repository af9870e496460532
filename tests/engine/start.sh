#!/usr/bin/env bash
# Starts one real Elasticsearch node for CI / integration tests on http://127.0.0.1:${ENGINE_PORT:-9200}.
#
#   tests/engine/start.sh                 fresh temporary data folder
#   tests/engine/start.sh --reuse-data    the folder of the previous start (see restart-same-data.sh)
#
# Environment: ENGINE_PORT (9200), ENGINE_PID_FILE (/tmp/emsoc-engine.pid), ENGINE_CLUSTER (emsoc-ci),
# ENGINE_DATA_DIR (use this folder instead of a temporary one; it is never deleted),
# ENGINE_JAVA_HOME (a JDK 21+), ENGINE_HEAP ("-Xms512m -Xmx1g"), ENGINE_JAVA_OPTS (extra JVM flags),
# ENGINE_START_TIMEOUT (180 s), ENGINE_FAST_START (1: C1-only JIT; 0: full JIT), ENGINE_GC (-XX:+UseG1GC).
# On success prints one line: engine=elasticsearch version=<x> url=http://127.0.0.1:<port>
set -euo pipefail
. "$(dirname "$0")/lib.sh"

reuse=0
for arg in "$@"; do
  case "$arg" in
    --reuse-data) reuse=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) engine_die "unknown argument: $arg" ;;
  esac
done

timeout_s="${ENGINE_START_TIMEOUT:-180}"
cluster="${ENGINE_CLUSTER:-emsoc-ci}"
url="http://127.0.0.1:${ENGINE_PORT}"

command -v curl >/dev/null || engine_die "curl is required (apt-get install -y curl)"
command -v mvn >/dev/null || engine_die "maven is required (apt-get install -y maven)"

pid="$(engine_running_pid)"
[ -z "$pid" ] || engine_die "an engine is already running (pid $pid, $ENGINE_PID_FILE); stop it with tests/engine/stop.sh"
if curl -s -o /dev/null --max-time 2 "$url/"; then
  engine_die "something already answers on $url; set ENGINE_PORT to a free port"
fi

java_home="$(engine_find_java_home)" || engine_die "no JDK 21+ found (set ENGINE_JAVA_HOME; Elasticsearch 9 needs Java 21+)"

# --- resolve: offline first, online only when the local repository lacks something -----------------
classpath_file="$ENGINE_HERE/target/engine-classpath.txt"
classes="$ENGINE_HERE/target/classes"
launcher_class="$classes/org/emsoc/engine/EngineMain.class"

resolved_is_current() {
  [ -f "$classpath_file" ] && [ -f "$launcher_class" ] || return 1
  [ "$launcher_class" -nt "$ENGINE_HERE/pom.xml" ] || return 1
  local f
  for f in $(find "$ENGINE_HERE/src" -type f); do [ "$launcher_class" -nt "$f" ] || return 1; done
  for f in $(tr ':' ' ' < "$classpath_file"); do [ -f "$f" ] || return 1; done
}

mkdir -p "$ENGINE_HERE/target"
# Parallel starts (several ports) share target/: one resolves, the others wait and then find it current.
exec 9>"$ENGINE_HERE/target/.resolve.lock"
flock 9
if ! resolved_is_current; then
  mvn_log="$ENGINE_HERE/target/mvn.log"
  mvn_cmd=(mvn -B -q -f "$ENGINE_HERE/pom.xml" compile dependency:build-classpath)
  if ! JAVA_HOME="$java_home" "${mvn_cmd[@]}" -o >"$mvn_log" 2>&1; then
    engine_log "local Maven repository incomplete, resolving online (first run downloads ~60 MB)"
    JAVA_HOME="$java_home" "${mvn_cmd[@]}" >"$mvn_log" 2>&1 || { tail -40 "$mvn_log" >&2; engine_die "maven resolve failed (log: $mvn_log)"; }
  fi
  # build-classpath only rewrites its file when the content changes; compile may skip unchanged classes.
  touch "$launcher_class" "$classpath_file"
fi
flock -u 9
exec 9>&-

# The transport-netty4 module (HTTP) gets its own class loader from <home>/modules, as in the distribution;
# everything else goes on the module path.
module_path=""
netty_jars=""
for jar in $(tr ':' ' ' < "$classpath_file"); do
  case "$jar" in
    */io/netty/*|*/transport-netty4-*|*/elasticsearch-ssl-config-*) netty_jars="${netty_jars:+$netty_jars:}$jar" ;;
    *) module_path="${module_path:+$module_path:}$jar" ;;
  esac
done

# --- the engine's folder ---------------------------------------------------------------------------
if [ "$reuse" = 1 ]; then
  [ -f "$ENGINE_STATE_FILE" ] || engine_die "--reuse-data: no previous engine folder recorded in $ENGINE_STATE_FILE"
  engine_dir="$(cat "$ENGINE_STATE_FILE")"
  [ -d "$engine_dir/data" ] || engine_die "--reuse-data: $engine_dir/data does not exist"
elif [ -n "${ENGINE_DATA_DIR:-}" ]; then
  engine_dir="$ENGINE_DATA_DIR"
  mkdir -p "$engine_dir"
else
  # A fresh start drops the temporary folder of an earlier node under this PID file (nothing runs now).
  if [ -f "$ENGINE_STATE_FILE" ]; then
    old_dir="$(cat "$ENGINE_STATE_FILE")"
    if [ -n "$old_dir" ] && [ -f "$old_dir/$ENGINE_TEMP_MARKER" ]; then rm -rf -- "$old_dir"; fi
  fi
  engine_dir="$(mktemp -d "${TMPDIR:-/tmp}/emsoc-engine.XXXXXX")"
  touch "$engine_dir/$ENGINE_TEMP_MARKER"
fi
engine_dir="$(cd "$engine_dir" && pwd)"
mkdir -p "$engine_dir/tmp" "$engine_dir/logs"
echo "$engine_dir" > "$ENGINE_STATE_FILE"
log_file="$engine_dir/logs/engine.log"

# ES looks for its own native libraries (libvec, libzstd) in lib/platform; Maven Central has none, so the
# folder stays empty and the node runs with native access disabled (pure-Java fallbacks; see README).
native_dir="$engine_dir/home/lib/platform"
mkdir -p "$native_dir"

# C1-only JIT: about half the CPU to reach yellow (11 s instead of 19 s measured here), at some cost in peak
# query speed that CI data sizes never notice. ENGINE_FAST_START=0 restores the full tiered JIT (benchmarks).
jit_opts="-XX:TieredStopAtLevel=1"
[ "${ENGINE_FAST_START:-1}" = 1 ] || jit_opts=""

# --- start -----------------------------------------------------------------------------------------
# JVM flags follow the distribution's defaults where they matter for an embedded single node.
# shellcheck disable=SC2086
nohup "$java_home/bin/java" \
  ${ENGINE_HEAP:--Xms512m -Xmx1g} \
  $jit_opts ${ENGINE_GC:--XX:+UseG1GC} -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$engine_dir/tmp" \
  -Djava.io.tmpdir="$engine_dir/tmp" \
  -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true -Dio.netty.recycler.maxCapacityPerThread=0 \
  -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -Dlog4j2.formatMsgNoLookups=true \
  -Djava.locale.providers=CLDR -Dfile.encoding=UTF-8 \
  -Des.nativelibs.path="$native_dir" \
  --enable-native-access=ALL-UNNAMED,org.elasticsearch.nativeaccess,org.apache.lucene.core \
  --add-modules=jdk.incubator.vector \
  ${ENGINE_JAVA_OPTS:-} \
  --module-path "$module_path" --add-modules=ALL-MODULE-PATH \
  -cp "$classes" \
  -Demsoc.engine.home="$engine_dir/home" \
  -Demsoc.engine.data="$engine_dir/data" \
  -Demsoc.engine.logs="$engine_dir/logs" \
  -Demsoc.engine.port="$ENGINE_PORT" \
  -Demsoc.engine.cluster="$cluster" \
  -Demsoc.engine.moduleJars="$netty_jars" \
  "$ENGINE_MAIN_CLASS" >>"$log_file" 2>&1 </dev/null &
pid=$!
echo "$pid" > "$ENGINE_PID_FILE"

# --- wait for yellow -------------------------------------------------------------------------------
deadline=$(( $(date +%s) + timeout_s ))
health=""
while :; do
  if ! engine_alive "$pid"; then
    tail -60 "$log_file" >&2
    rm -f "$ENGINE_PID_FILE"
    engine_die "engine process $pid exited during start (log: $log_file)"
  fi
  health="$(curl -s --max-time 10 "$url/_cluster/health?wait_for_status=yellow&timeout=5s" || true)"
  case "$health" in
    *'"timed_out":false'*) break ;;
  esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    tail -60 "$log_file" >&2
    engine_die "engine not yellow after ${timeout_s}s (pid $pid still running; stop it with tests/engine/stop.sh; log: $log_file)"
  fi
  sleep 1
done

version="$(curl -s --max-time 10 "$url/_nodes/_local?filter_path=nodes.*.version" | sed -n 's/.*"version":"\([^"]*\)".*/\1/p')"
echo "engine=elasticsearch version=${version:-unknown} url=$url"
