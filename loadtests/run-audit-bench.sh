#!/usr/bin/env bash
# What the audit journal costs a gateway, side by side in one run (loadtests/README.md):
#
#   loadtests/run-audit-bench.sh BASELINE_DIST
#
# BASELINE_DIST is the distribution directory of a build without the audit pipeline (e.g. built from
# the commit before it in a git worktree). Both serve the same public route to the echo backend,
# alternating ROUNDS times; every request of this build is journaled (batch durability). Reports
# requests/s, p99 and the gateway's CPU time per request (utime+stime of the process over the
# measured interval / requests), which is steadier than throughput on a shared 2-core machine.
#
# Environment: DURATION=10s WARMUP=15s CONNECTIONS=64 THREADS=2 ROUNDS=3. Holds the shared Maven lock
# so that no build competes for the cores. Needs wrk, curl, java, python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="$ROOT/distribution/target/portcullis"
BASELINE="${1:?usage: run-audit-bench.sh BASELINE_DIST}"
ECHO_JAR="$ROOT/sample-backends/target/portcullis-sample-backends-0.1.0-SNAPSHOT-echo.jar"
DURATION="${DURATION:-10s}"; WARMUP="${WARMUP:-15s}"; CONNECTIONS="${CONNECTIONS:-64}"; THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-3}"
[[ -x "$DIST/bin/portcullis" && -x "$BASELINE/bin/portcullis" && -f "$ECHO_JAR" ]] \
  || { echo "build first (mvn -B -DskipTests package) and give a baseline distribution" >&2; exit 1; }
RUN="$ROOT/loadtests/work/audit-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$RUN"
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
exec 9>/tmp/portcullis-mvn.lock
flock 9

read -r ECHO GW ADMIN <<<"$(python3 -c 'import socket
s=[socket.socket() for _ in range(3)]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')"
java -Xmx512m -jar "$ECHO_JAR" "$ECHO" >"$RUN/echo.log" 2>&1 & PIDS+=($!)

measure() { # label dist
  local label="$1" dist="$2" data="$RUN/data-$RANDOM"
  cat >"$RUN/gateway.yaml" <<YAML
dataDir: $data
listeners: { public: { host: 127.0.0.1, port: $GW }, admin: { host: 127.0.0.1, port: $ADMIN } }
limits: { drainTimeout: 1s }
routes:
  - { id: plain, match: { pathPrefix: / }, upstream: { targets: [ "http://127.0.0.1:$ECHO" ] }, public: true }
YAML
  PORTCULLIS_ACCESS_LOG_LEVEL=WARN "$dist/bin/portcullis" --config "$RUN/gateway.yaml" >"$RUN/gateway-$label.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  for _ in $(seq 1 240); do
    [[ "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$GW/x" || true)" == 200 ]] && break
    sleep 0.25
  done
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "https://127.0.0.1:$GW/x" >/dev/null
  local t0 t1 out n
  t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "https://127.0.0.1:$GW/x")
  t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  n=$(echo "$out" | grep -o '[0-9]* requests in' | cut -d' ' -f1)
  printf '| %s | %s | %s | %s |\n' "$label" "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '$1=="99%" {print $2}')" \
    "$(python3 -c "print(round(($t1-$t0)*1e6/$(getconf CLK_TCK)/$n,1))")"
}

echo "| target | requests/s | p99 | CPU µs/request |"
echo "|---|---:|---:|---:|"
for round in $(seq 1 "$ROUNDS"); do
  measure "without audit (round $round)" "$BASELINE"
  measure "with audit (round $round)" "$DIST"
done | tee "$RUN/results.md"
echo "results: $RUN" >&2
