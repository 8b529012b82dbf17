#!/usr/bin/env bash
# Portcullis proxy benchmark: the echo backend direct (http), behind nginx (https) and behind the
# gateway (https), driven by wrk over keep-alive connections on loopback. See loadtests/README.md.
#
#   loadtests/run-proxy-bench.sh
#
# Environment (all optional):
#   DURATION=20s     measured run per target        WARMUP=5s     warm-up run per target
#   CONNECTIONS=64   wrk -c                         THREADS=2     wrk -t
#   GATEWAY_WARMUP=15s  extra JIT warm-up of each gateway route before any measurement
#   PROFILE=auto     auto: when the gateway misses the target, profile one more measured gateway
#                    run with JFR; always / never
#   BENCH_PATH=/bench  request path
#   PROFILE_TARGET=gateway  which gateway target the profile runs against (e.g. gateway+chain)
#   CHAIN=0          1: also measure the full policy chain on one route (target gateway+chain):
#                    bearer JWT (RS256, JWKS served on loopback) + ip-allowlist + rbac + timed-access
#                    + tenant-isolation (tenant from the Host header); the gateway then has an
#                    identity section (H2 store, embedded Hazelcast) for all targets
#
# Traffic goes to 127.0.0.1 only. Every process started here is stopped on exit, also on failure.
set -euo pipefail

export PATH="$PATH:/usr/sbin:/sbin"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="$ROOT/distribution/target/portcullis"
ECHO_JAR="$ROOT/sample-backends/target/portcullis-sample-backends-0.1.0-SNAPSHOT-echo.jar"

DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-5s}"
GATEWAY_WARMUP="${GATEWAY_WARMUP:-15s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
PROFILE="${PROFILE:-auto}"
BENCH_PATH="${BENCH_PATH:-/bench}"
CHAIN="${CHAIN:-0}"
PROFILE_TARGET="${PROFILE_TARGET:-gateway}"

# Targets for this stage: gateway throughput >= 0.8x nginx, gateway p99 <= 2x nginx.
TARGET_RPS_RATIO=0.8
TARGET_P99_RATIO=2.0

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

seconds_of() { # "20s" or "20" -> 20
  [[ "$1" =~ ^([0-9]+)s?$ ]] || die "durations are whole seconds, like 20 or 20s (got '$1')"
  (( BASH_REMATCH[1] > 0 )) || die "durations must be positive (got '$1')"
  echo "${BASH_REMATCH[1]}"
}
DURATION_S="$(seconds_of "$DURATION")"
WARMUP_S="$(seconds_of "$WARMUP")"
GATEWAY_WARMUP_S="$(seconds_of "$GATEWAY_WARMUP")"
[[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive integer"
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive integer"
(( CONNECTIONS >= THREADS )) || die "CONNECTIONS must be at least THREADS"
[[ "$PROFILE" =~ ^(auto|always|never)$ ]] || die "PROFILE must be auto, always or never"
[[ "$BENCH_PATH" == /* ]] || die "BENCH_PATH must start with /"

# ---------------------------------------------------------------------------------------------
# 1. Build products (never built here) and tools.
if [[ ! -x "$DIST/bin/portcullis" || ! -f "$ECHO_JAR" ]]; then
  [[ -x "$DIST/bin/portcullis" ]] || log "missing: $DIST/bin/portcullis"
  [[ -f "$ECHO_JAR" ]] || log "missing: $ECHO_JAR"
  echo "Build the distribution and the echo backend first, from the repository root:" >&2
  echo "  cd $ROOT && mvn -B -DskipTests package" >&2
  exit 1
fi

for tool in java curl openssl awk; do
  command -v "$tool" >/dev/null || die "'$tool' is needed and not on PATH"
done

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  (( EUID == 0 )) || die "wrk and nginx are missing; run as root (or: apt-get install -y wrk nginx)"
  log "installing wrk and nginx from Debian packages"
  # Keep Debian's nginx service from starting (and taking port 80) during the install.
  policy_added=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy_added=1
  fi
  install_rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk nginx; } >&2 || install_rc=$?
  [[ -n "$policy_added" ]] && rm -f /usr/sbin/policy-rc.d
  (( install_rc == 0 )) || die "apt-get failed (exit $install_rc)"
  command -v wrk >/dev/null && command -v nginx >/dev/null || die "wrk or nginx still missing after apt-get"
fi

# ---------------------------------------------------------------------------------------------
# 2. Work directory, one per run (loadtests/work/ is git-ignored).
RUN_DIR="$ROOT/loadtests/work/run-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$RUN_DIR"/{tls,nginx/logs,nginx/temp,gateway/data,wrk}
log "work directory: $RUN_DIR"
LOADAVG_START="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------
# 3. Process bookkeeping and cleanup.
PIDS=()   # "name:pid", in start order
start_bg() { # name logfile command...
  local name="$1" logfile="$2"; shift 2
  "$@" >"$logfile" 2>&1 &
  PIDS+=("$name:$!")
  log "started $name (pid $!), log: ${logfile#"$ROOT"/}"
}
pid_of() { local e; for e in "${PIDS[@]}"; do [[ "${e%%:*}" == "$1" ]] && { echo "${e#*:}"; return; }; done; }
alive() { # a live process, not a zombie
  local state
  state="$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z ]]
}
children_of() { pgrep -P "$1" 2>/dev/null || true; }

cleanup() {
  local rc=$? i e name pid kids
  set +e
  trap - EXIT INT TERM
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do
    e="${PIDS[i]}"; name="${e%%:*}"; pid="${e#*:}"
    alive "$pid" || continue
    kids="$(children_of "$pid")"
    kill -TERM "$pid" 2>/dev/null
    for (( t=0; t<200; t++ )); do alive "$pid" || break; sleep 0.1; done   # at most 20 s
    if alive "$pid"; then
      log "$name (pid $pid) ignored SIGTERM for 20 s; killing it"
      kill -KILL "$pid" 2>/dev/null
    fi
    for k in $kids; do alive "$k" && kill -KILL "$k" 2>/dev/null; done
    wait "$pid" 2>/dev/null
    log "stopped $name (pid $pid)"
  done
  # The private copies of the build are only needed while the processes run.
  if [[ -n "${RUN_DIR:-}" && -d "$RUN_DIR" ]]; then rm -rf -- "$RUN_DIR/portcullis" "$RUN_DIR/echo.jar"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# 4. Free loopback ports.
free_ports() { # count
  if command -v python3 >/dev/null; then
    python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
  else
    local found=() p tries=0
    while (( ${#found[@]} < $1 && tries < 500 )); do
      tries=$((tries + 1))
      p=$(( 20000 + RANDOM % 40000 ))
      [[ " ${found[*]} " == *" $p "* ]] && continue
      if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then found+=("$p"); fi
    done
    (( ${#found[@]} == $1 )) || die "could not find $1 free ports"
    echo "${found[*]}"
  fi
}
read -r ECHO_PORT NGINX_PORT GW_PORT ADMIN_PORT <<<"$(free_ports 4)"
log "ports: echo $ECHO_PORT, nginx $NGINX_PORT, gateway $GW_PORT, gateway admin $ADMIN_PORT"

wait_for() { # name pid deadline_seconds url curl-args...: polls until the url answers 200
  local name="$1" pid="$2" deadline="$3" url="$4"; shift 4
  local end=$(( SECONDS + deadline )) code
  while (( SECONDS < end )); do
    alive "$pid" || die "$name exited during startup; see its log in $RUN_DIR"
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url" || true)"
    [[ "$code" == 200 ]] && { log "$name is ready ($url)"; return 0; }
    sleep 0.25
  done
  die "$name was not ready within ${deadline}s ($url, last status '$code'); see its log in $RUN_DIR"
}

# Run from private copies, so that a rebuild of the distribution during the run cannot replace
# jars under the running JVMs.
GW_BUILD="$(ls -l --time-style=+%Y-%m-%dT%H:%M:%S "$DIST"/lib/portcullis-gateway-core-*.jar 2>/dev/null | awk '{print $6, $7}' | sed "s|$DIST/lib/||" | head -1)"
GIT_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then GIT_REV="$GIT_REV (with uncommitted changes)"; fi
cp -a "$DIST" "$RUN_DIR/portcullis"
cp "$ECHO_JAR" "$RUN_DIR/echo.jar"
DIST="$RUN_DIR/portcullis"
ECHO_JAR="$RUN_DIR/echo.jar"

# ---------------------------------------------------------------------------------------------
# 5. Certificate (shared by nginx and the gateway).
CERT="$RUN_DIR/tls/cert.pem"
KEY="$RUN_DIR/tls/key.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$KEY" -out "$CERT" -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1 \
  || die "openssl could not make the self-signed certificate"

# ---------------------------------------------------------------------------------------------
# 5b. With CHAIN=1: an RS256 key, its JWKS on a loopback HTTP server (an issuer's keys; http is
#     accepted for loopback only) and a bearer token for tenant acme with role records-reader.
CHAIN_IDENTITY=""; CHAIN_ROUTE=""; ALLOWLIST_AUTH=""; CHAIN_TOKEN=""
if [[ "$CHAIN" == 1 ]]; then
  command -v python3 >/dev/null || die "CHAIN=1 needs python3"
  read -r JWKS_PORT HZ_PORT <<<"$(free_ports 2)"
  mkdir -p "$RUN_DIR/jwks"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$RUN_DIR/jwks/issuer.key" 2>/dev/null
  modulus="$(openssl rsa -in "$RUN_DIR/jwks/issuer.key" -noout -modulus | cut -d= -f2)"
  now="$(date +%s)"
  python3 - "$modulus" "$now" "$RUN_DIR/jwks" <<'PY'
import base64, json, sys
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
modulus, now, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
json.dump({"keys": [{"kty": "RSA", "kid": "bench", "use": "sig", "alg": "RS256",
                     "n": b64(bytes.fromhex(modulus)), "e": "AQAB"}]}, open(out + "/jwks.json", "w"))
header = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "bench"}).encode())
claims = b64(json.dumps({"iss": "https://issuer.bench.localhost", "aud": "portcullis", "sub": "bench-user",
                         "tenant": "acme", "roles": ["records-reader"], "iat": now, "nbf": now,
                         "exp": now + 6 * 3600}).encode())
open(out + "/signing-input", "w").write(header + "." + claims)
PY
  openssl dgst -sha256 -sign "$RUN_DIR/jwks/issuer.key" -out "$RUN_DIR/jwks/signature" "$RUN_DIR/jwks/signing-input"
  CHAIN_TOKEN="$(cat "$RUN_DIR/jwks/signing-input").$(python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(open(sys.argv[1],"rb").read()).rstrip(b"=").decode())' "$RUN_DIR/jwks/signature")"
  start_bg jwks "$RUN_DIR/jwks/server.log" python3 -m http.server "$JWKS_PORT" --bind 127.0.0.1 --directory "$RUN_DIR/jwks"
  wait_for jwks "$(pid_of jwks)" 20 "http://127.0.0.1:$JWKS_PORT/jwks.json"
  CHAIN_IDENTITY="identity:
  store: { seedDemo: true }          # tenant acme with role records-reader (records:read)
  passwords: { memory: 8MiB, iterations: 1, parallelism: 1 }
  issuers:
    - id: bench
      issuer: https://issuer.bench.localhost
      jwksUri: http://127.0.0.1:$JWKS_PORT/jwks.json
      audiences: [ portcullis ]
      algorithms: [ RS256 ]
      claims: { tenant: tenant, roles: roles }
cluster: { host: 127.0.0.1, port: $HZ_PORT, portAutoIncrement: false }"
  CHAIN_ROUTE="  # The full chain: bearer JWT + ip-allowlist + rbac + timed-access + tenant-isolation.
  - id: bench-chain
    match: { pathPrefix: /chain }
    rewrite: { stripPrefix: true }
    upstream: { targets: [ \"http://127.0.0.1:$ECHO_PORT\" ] }
    policies:
      - ip-allowlist: { allow: [ loopback ] }
      - rbac: { anyOf: [ records:read ] }
      - timed-access: { window: \"Mon-Sun 00:00-24:00 UTC\" }
      - tenant-isolation: { from: host, pattern: \"{tenant}.bench.localhost\" }"
  ALLOWLIST_AUTH="    authentication: optional       # identity is on (CHAIN=1); this route stays anonymous"
fi

# ---------------------------------------------------------------------------------------------
# 6. Echo backend.
start_bg echo "$RUN_DIR/echo.log" java -Xmx512m -jar "$ECHO_JAR" "$ECHO_PORT"
wait_for echo "$(pid_of echo)" 60 "http://127.0.0.1:$ECHO_PORT$BENCH_PATH"

# ---------------------------------------------------------------------------------------------
# 7. nginx: plain TLS-terminating reverse proxy, keep-alive to the upstream.
#    It adds the same forwarding headers the gateway adds, so the echo answers carry the same
#    amount of header data for both proxies.
NGX="$RUN_DIR/nginx"
cat >"$NGX/nginx.conf" <<EOF
worker_processes 2;
daemon off;
master_process on;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log warn;

events { worker_connections 4096; }

http {
  access_log off;
  client_body_temp_path $NGX/temp/client_body;
  proxy_temp_path       $NGX/temp/proxy;
  fastcgi_temp_path     $NGX/temp/fastcgi;
  uwsgi_temp_path       $NGX/temp/uwsgi;
  scgi_temp_path        $NGX/temp/scgi;
  # Default is 1000 requests per connection; the gateway has no such limit, so lift it.
  keepalive_requests 1000000;
  keepalive_timeout 60s;

  upstream echo {
    server 127.0.0.1:$ECHO_PORT;
    keepalive 64;
    keepalive_requests 1000000;
  }

  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    server_name localhost;
    ssl_certificate     $CERT;
    ssl_certificate_key $KEY;
    ssl_protocols TLSv1.2 TLSv1.3;

    location / {
      proxy_pass http://echo;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Forwarded "for=\$remote_addr;proto=https;host=\"\$http_host\"";
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Forwarded-Host \$http_host;
      proxy_set_header X-Request-Id \$request_id;
      proxy_set_header traceparent "00-\$request_id-0000000000000001-01";
    }
  }
}
EOF
nginx -t -p "$NGX/" -e "$NGX/logs/error.log" -c "$NGX/nginx.conf" >"$NGX/logs/config-test.log" 2>&1 \
  || { cat "$NGX/logs/config-test.log" >&2; die "nginx rejected its configuration"; }
start_bg nginx "$NGX/logs/stdout.log" nginx -p "$NGX/" -e "$NGX/logs/error.log" -c "$NGX/nginx.conf"
wait_for nginx "$(pid_of nginx)" 30 "https://127.0.0.1:$NGINX_PORT$BENCH_PATH" -k

# ---------------------------------------------------------------------------------------------
# 8. Gateway from the distribution, one public route to the echo backend.
GW_CONFIG="$RUN_DIR/gateway/gateway.yaml"
cat >"$GW_CONFIG" <<EOF
# Generated by loadtests/run-proxy-bench.sh
dataDir: $RUN_DIR/gateway/data

listeners:
  public:
    host: 127.0.0.1
    port: $GW_PORT
    tls: { cert: $CERT, key: $KEY }
  admin:
    host: 127.0.0.1
    port: $ADMIN_PORT

limits:
  drainTimeout: 2s                  # so that the bench stops quickly

networks:
  loopback: [ 127.0.0.0/8 ]
$CHAIN_IDENTITY

routes:
$CHAIN_ROUTE
  # The same upstream behind the ip-allowlist policy: what the policy chain costs.
  - id: bench-allowlist
    match: { pathPrefix: /allowlisted }
    rewrite: { stripPrefix: true }
    upstream: { targets: [ "http://127.0.0.1:$ECHO_PORT" ] }
$ALLOWLIST_AUTH
    policies:
      - ip-allowlist: { allow: [ loopback ] }
  - id: bench
    match: { pathPrefix: / }
    upstream: { targets: [ "http://127.0.0.1:$ECHO_PORT" ] }
    public: true
EOF
start_bg gateway "$RUN_DIR/gateway/gateway.log" \
  env PORTCULLIS_ACCESS_LOG_LEVEL=WARN JAVA_OPTS="-Xmx1g" \
  "$DIST/bin/portcullis" --config "$GW_CONFIG"
wait_for gateway "$(pid_of gateway)" 60 "https://127.0.0.1:$ADMIN_PORT/readyz" -k
# The route must answer through the gateway before measuring.
wait_for "gateway route" "$(pid_of gateway)" 10 "https://127.0.0.1:$GW_PORT$BENCH_PATH" -k

# ---------------------------------------------------------------------------------------------
# 9. Measure.
declare -A URL=(
  [direct]="http://127.0.0.1:$ECHO_PORT$BENCH_PATH"
  [nginx]="https://127.0.0.1:$NGINX_PORT$BENCH_PATH"
  [gateway]="https://127.0.0.1:$GW_PORT$BENCH_PATH"
  [gateway+ipallow]="https://127.0.0.1:$GW_PORT/allowlisted$BENCH_PATH"
)
# Processes whose CPU time is attributed to each target during its measured run.
declare -A PROXY_PROC=([direct]="" [nginx]=nginx [gateway]=gateway [gateway+ipallow]=gateway)
TARGETS=(direct nginx gateway gateway+ipallow)
if [[ "$CHAIN" == 1 ]]; then
  URL[gateway+chain]="https://127.0.0.1:$GW_PORT/chain$BENCH_PATH"
  PROXY_PROC[gateway+chain]=gateway
  TARGETS+=(gateway+chain)
fi
# Request headers per target: the chain's requests carry the bearer token and name tenant acme in the host.
target_headers() {
  if [[ "$1" == gateway+chain ]]; then
    printf '%s\n' -H "Authorization: Bearer $CHAIN_TOKEN" -H "Host: acme.bench.localhost"
  fi
}

# Facts about one request per target: status, response size, TLS protocol and cipher.
for t in "${TARGETS[@]}"; do
  mapfile -t hdr < <(target_headers "$t")
  curl -sk --http1.1 "${hdr[@]}" -o "$RUN_DIR/wrk/$t.sample.json" \
    -w "$t: HTTP %{http_code}, %{size_download} bytes body, http/%{http_version}\n" "${URL[$t]}" \
    >>"$RUN_DIR/wrk/samples.txt"
done
for t in nginx gateway; do
  port="${URL[$t]#https://127.0.0.1:}"; port="${port%%/*}"
  openssl s_client -connect "127.0.0.1:$port" -servername localhost -alpn http/1.1 </dev/null \
    >"$RUN_DIR/wrk/$t.s_client.txt" 2>&1 || true
  tls="$(awk '/^New, / {sub(/^New, /, ""); sub(/, Cipher is /, " "); print; exit}' "$RUN_DIR/wrk/$t.s_client.txt")"
  echo "$t TLS (openssl s_client): ${tls:-unknown}" >>"$RUN_DIR/wrk/samples.txt"
done
cat "$RUN_DIR/wrk/samples.txt" >&2

cpu_ticks() { # sum of utime+stime over a pid and its children
  local p total=0 v
  for p in "$1" $(children_of "$1"); do
    v="$(sed -E 's/^.*\) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}')" || continue
    total=$(( total + ${v:-0} ))
  done
  echo "$total"
}
CLK_TCK="$(getconf CLK_TCK 2>/dev/null || echo 100)"

to_ms() { # wrk value with unit -> milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.3f", n }'
}

declare -A RPS P50 P99 AVG MAXL REQS NON2XX SOCKERR PCPU ECPU WCPU OCPU KCPU OTOP SEGS CPUREQ
run_wrk() { # target label duration_s: output in $RUN_DIR/wrk/<target>.<label>.txt
  local t="$1" label="$2" d="$3" out="$RUN_DIR/wrk/$1.$2.txt"
  local hdr; mapfile -t hdr < <(target_headers "$t")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${d}s" --latency "${hdr[@]}" "${URL[$t]}" >"$out" 2>&1 \
    || { cat "$out" >&2; die "wrk failed against $t"; }
}
parse_wrk() { # target file
  local t="$1" f="$2" line
  RPS[$t]="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$f")"
  P50[$t]="$(to_ms "$(awk '/Latency Distribution/ {d=1} d && $1=="50%" {print $2; exit}' "$f")")"
  P99[$t]="$(to_ms "$(awk '/Latency Distribution/ {d=1} d && $1=="99%" {print $2; exit}' "$f")")"
  AVG[$t]="$(to_ms "$(awk '$1=="Latency" {print $2; exit}' "$f")")"
  MAXL[$t]="$(to_ms "$(awk '$1=="Latency" {print $4; exit}' "$f")")"
  REQS[$t]="$(awk '/ requests in / {print $1; exit}' "$f")"
  NON2XX[$t]="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")"; NON2XX[$t]="${NON2XX[$t]:-0}"
  line="$(awk '/Socket errors:/ {sub(/^ *Socket errors: */, ""); print}' "$f")"
  SOCKERR[$t]="${line:-none}"
  [[ -n "${RPS[$t]}" && -n "${REQS[$t]}" ]] || { cat "$f" >&2; die "could not parse wrk output for $t"; }
}
# CPU accounting for a measured run, in clock ticks: the whole machine (busy time from /proc/stat),
# the finished children of this shell (that is wrk), and the proxy and echo processes.
machine_busy() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8; exit}' /proc/stat; }
# TCP segments sent on the machine so far (all loopback traffic counts twice: sent and received
# are the same segments, counted once here as sent).
tcp_out_segs() { awk '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) if ($i == "OutSegs") c = i; h = 1 } else { print $c; exit } }' /proc/net/snmp; }
# "pid ticks comm" for every process; the other processes' CPU is the difference of two of these.
procs_snapshot() {
  cat /proc/[0-9]*/stat 2>/dev/null \
    | sed -nE 's/^([0-9]+) \((.*)\) (.*)$/\1\t\2\t\3/p' \
    | awk -F'\t' '{split($3, f, " "); gsub(/ /, "_", $2); print $1, f[12] + f[13], $2}'
}
other_procs() { # snapshot0 snapshot1 "excluded pids" -> "ticks<TAB>top three as comm:ticks"
  awk -v ex=" $3 " '
    FNR == NR { before[$1] = $2; next }
    index(ex, " " $1 " ") == 0 {
      d = $2 - ($1 in before ? before[$1] : 0)
      if (d > 0) { total += d; byname[$3] += d }
    }
    END {
      n = 0; top = ""
      while (n < 3) {
        best = ""; for (c in byname) if (best == "" || byname[c] > byname[best]) best = c
        if (best == "" || byname[best] <= 0) break
        top = top (n ? ", " : "") best ":" byname[best]; delete byname[best]; n++
      }
      printf "%d\t%s\n", total, top
    }' "$1" "$2"
}
reaped_children() { sed -E 's/^.*\) //' "/proc/$$/stat" | awk '{print $14 + $15}'; }
cores() { # ticks0 ticks1 nanoseconds
  awk -v a="$1" -v b="$2" -v hz="$CLK_TCK" -v ns="$3" 'BEGIN { printf "%.2f", (b - a) / hz / (ns / 1e9) }'
}

# The JIT needs more than a short warm-up: run both gateway routes for GATEWAY_WARMUP first, so
# that the first gateway target is not measured half-compiled.
log "gateway: JIT warm-up ${GATEWAY_WARMUP_S}s over both gateway routes"
run_wrk gateway jit-warmup "$GATEWAY_WARMUP_S"
run_wrk gateway+ipallow jit-warmup "$GATEWAY_WARMUP_S"
if [[ "$CHAIN" == 1 ]]; then run_wrk gateway+chain jit-warmup "$GATEWAY_WARMUP_S"; fi

for t in "${TARGETS[@]}"; do
  log "$t: warm-up ${WARMUP_S}s, then measured ${DURATION_S}s (wrk -t$THREADS -c$CONNECTIONS) ${URL[$t]}"
  run_wrk "$t" warmup "$WARMUP_S"
  pp=""; [[ -n "${PROXY_PROC[$t]}" ]] && pp="$(pid_of "${PROXY_PROC[$t]}")"
  ep="$(pid_of echo)"
  p0=0; [[ -n "$pp" ]] && p0="$(cpu_ticks "$pp")"
  e0="$(cpu_ticks "$ep")"; w0="$(reaped_children)"; procs_snapshot >"$RUN_DIR/procs0"
  s0="$(tcp_out_segs)"; m0="$(machine_busy)"; n0="$(date +%s%N)"
  run_wrk "$t" measured "$DURATION_S"
  n1="$(date +%s%N)"; m1="$(machine_busy)"; s1="$(tcp_out_segs)"; procs_snapshot >"$RUN_DIR/procs1"
  w1="$(reaped_children)"; e1="$(cpu_ticks "$ep")"
  p1=0; [[ -n "$pp" ]] && p1="$(cpu_ticks "$pp")"
  parse_wrk "$t" "$RUN_DIR/wrk/$t.measured.txt"
  ns=$(( n1 - n0 ))
  if [[ -n "$pp" ]]; then PCPU[$t]="$(cores "$p0" "$p1" "$ns")"; else PCPU[$t]="-"; fi
  ECPU[$t]="$(cores "$e0" "$e1" "$ns")"
  WCPU[$t]="$(cores "$w0" "$w1" "$ns")"
  ours="$$ $ep $(children_of "$ep" | tr '\n' ' ')"
  [[ -n "$pp" ]] && ours="$ours $pp $(children_of "$pp" | tr '\n' ' ')"
  IFS=$'\t' read -r o_ticks o_top < <(other_procs "$RUN_DIR/procs0" "$RUN_DIR/procs1" "$ours")
  OCPU[$t]="$(cores 0 "${o_ticks:-0}" "$ns")"
  OTOP[$t]="${o_top:-none}"
  SEGS[$t]="$(awk -v a="$s0" -v b="$s1" -v r="${REQS[$t]}" 'BEGIN { if (r + 0 > 0) printf "%.1f", (b - a) / r; else print "-" }')"
  # CPU microseconds per request spent in the proxy.
  if [[ -n "$pp" ]]; then
    CPUREQ[$t]="$(awk -v a="$p0" -v b="$p1" -v hz="$CLK_TCK" -v r="${REQS[$t]}" 'BEGIN { printf "%.0f", (b - a) / hz * 1e6 / r }')"
  else CPUREQ[$t]="-"; fi
  KCPU[$t]="$(cores "$(( m0 + p1 + e1 + w1 + ${o_ticks:-0} ))" "$(( m1 + p0 + e0 + w0 ))" "$ns")"
  log "$t: ${RPS[$t]} req/s, p50 ${P50[$t]} ms, p99 ${P99[$t]} ms, non-2xx ${NON2XX[$t]}, socket errors: ${SOCKERR[$t]}; CPU cores: proxy ${PCPU[$t]}, echo ${ECPU[$t]}, wrk ${WCPU[$t]}, other processes ${OCPU[$t]} (${OTOP[$t]}), unattributed ${KCPU[$t]}; proxy CPU ${CPUREQ[$t]} µs/request; ${SEGS[$t]} TCP segments/request"
done
LOADAVG_END="$(cut -d' ' -f1-3 /proc/loadavg)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
RPS_RATIO="$(ratio "${RPS[gateway]}" "${RPS[nginx]}")"
P99_RATIO="$(ratio "${P99[gateway]}" "${P99[nginx]}")"
# What the ip-allowlist chain costs, gateway with policy over gateway without (same process, same run).
POLICY_RATIO="$(ratio "${RPS[gateway+ipallow]}" "${RPS[gateway]}")"
POLICY_OK="$(awk -v r="$POLICY_RATIO" 'BEGIN { print (r != "n/a" && r + 0 >= 0.95) ? "met" : "missed" }')"
RPS_OK="$(awk -v r="$RPS_RATIO" -v t="$TARGET_RPS_RATIO" 'BEGIN { print (r != "n/a" && r + 0 >= t) ? "met" : "missed" }')"
CHAIN_RATIO="n/a"; CHAIN_OK="n/a"
if [[ "$CHAIN" == 1 ]]; then
  CHAIN_RATIO="$(ratio "${RPS[gateway+chain]}" "${RPS[nginx]}")"
  CHAIN_OK="$(awk -v r="$CHAIN_RATIO" -v t="$TARGET_RPS_RATIO" 'BEGIN { print (r != "n/a" && r + 0 >= t) ? "met" : "missed" }')"
fi
P99_OK="$(awk -v r="$P99_RATIO" -v t="$TARGET_P99_RATIO" 'BEGIN { print (r != "n/a" && r + 0 <= t) ? "met" : "missed" }')"

# ---------------------------------------------------------------------------------------------
# 10. Optional JFR profile of the gateway during one more measured run.
PROFILE_MD=""
if [[ "$PROFILE" == always || ( "$PROFILE" == auto && ( "$RPS_OK" == missed || "$P99_OK" == missed ) ) ]]; then
  if command -v jcmd >/dev/null && command -v jfr >/dev/null; then
    gp="$(pid_of gateway)"
    JFR_FILE="$RUN_DIR/gw.jfr"
    log "profiling the gateway (JFR, settings=profile) during one more measured ${DURATION_S}s run"
    # wrk runs 2 s longer and the recording starts 2 s in, so that the 64 TLS handshakes of the
    # new connections (expensive EC math in the JDK) stay out of the steady-state profile.
    f="$RUN_DIR/wrk/gateway.profiled.txt"
    mapfile -t hdr < <(target_headers "$PROFILE_TARGET")
    start_bg wrk-profile "$f" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$((DURATION_S + 2))s" --latency "${hdr[@]}" \
      "${URL[$PROFILE_TARGET]}"
    sleep 2
    jcmd "$gp" JFR.start name=bench settings=profile >"$RUN_DIR/jfr-start.log" 2>&1 \
      || { cat "$RUN_DIR/jfr-start.log" >&2; die "jcmd JFR.start failed"; }
    wait "$(pid_of wrk-profile)" || { cat "$f" >&2; die "wrk failed during the profiled run"; }
    jcmd "$gp" JFR.dump name=bench filename="$JFR_FILE" >"$RUN_DIR/jfr-dump.log" 2>&1 \
      || { cat "$RUN_DIR/jfr-dump.log" >&2; die "jcmd JFR.dump failed"; }
    jcmd "$gp" JFR.stop name=bench >/dev/null 2>&1 || true
    prof_rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$f")"
    prof_p99="$(to_ms "$(awk '/Latency Distribution/ {d=1} d && $1=="99%" {print $2; exit}' "$f")")"
    jfr summary "$JFR_FILE" >"$RUN_DIR/jfr-summary.txt" 2>&1 || true
    jfr print --events jdk.ExecutionSample --stack-depth 64 "$JFR_FILE" >"$RUN_DIR/jfr-samples.txt" 2>&1 || true
    jfr print --events jdk.NativeMethodSample --stack-depth 64 "$JFR_FILE" >"$RUN_DIR/jfr-native.txt" 2>&1 || true
    jfr print --events jdk.GarbageCollection "$JFR_FILE" >"$RUN_DIR/jfr-gc.txt" 2>&1 || true
    gc_facts="$(awk '/sumOfPauses/ { v = $3; if ($4 == "s") v *= 1000; else if ($4 == "us") v /= 1000
                                   n++; s += v; if (v > m) m = v }
                     END { printf "%d collections, %.1f ms paused in total, longest pause %.1f ms", n, s, m }' \
                 "$RUN_DIR/jfr-gc.txt")"
    gc_names="$(awk -F'"' '/ name = / {print $2}' "$RUN_DIR/jfr-gc.txt" | sort | uniq -c | awk '{printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1}')"
    native_top="$(awk '/stackTrace = \[/ {inst = 1; first = 1; n++; next}
                       inst && /^[[:space:]]*\]/ {inst = 0; next}
                       inst && first { f = $0; sub(/^[[:space:]]+/, "", f); sub(/[[:space:]]+line:.*$/, "", f); top[f]++; first = 0 }
                       END { for (f in top) printf "%d\t%.1f\t%s\n", top[f], 100 * top[f] / n, f }' \
                  "$RUN_DIR/jfr-native.txt" | sort -t$'\t' -k1,1nr | head -5)"
    native_n="$(grep -c 'jdk.NativeMethodSample' "$RUN_DIR/jfr-native.txt" || true)"
    # Top frame of every sample (where the CPU was when sampled), and the share of samples with a
    # frame of a given area anywhere in the stack (inclusive).
    awk '
      function area(f) {
        if (f ~ /^(sun\.security\.ssl|sun\.security\.ec|sun\.security\.util|com\.sun\.crypto|sun\.security\.provider|java\.security|javax\.crypto|sun\.security)\./) return "JDK TLS/crypto"
        if (f ~ /^io\.netty\.handler\.ssl\./) return "Netty SslHandler"
        if (f ~ /^io\.netty\.handler\.codec\.http/) return "Netty HTTP codec"
        if (f ~ /^io\.netty\./) return "Netty other"
        if (f ~ /^io\.vertx\./) return "Vert.x"
        if (f ~ /^dev\.portcullis\./) return "Portcullis"
        if (f ~ /^ch\.qos\.logback\.|^org\.slf4j\./) return "logging"
        if (f ~ /^io\.micrometer\.|^io\.prometheus\./) return "metrics"
        if (f ~ /^com\.fasterxml\./) return "Jackson"
        if (f ~ /^(java|jdk|sun)\./) return "JDK other"
        return "other"
      }
      /stackTrace = \[/ { inst = 1; first = 1; own = ""; delete seen; n++; next }
      inst && /^[[:space:]]*\]/ { inst = 0; if (own != "") ownc[own]++; next }
      inst && /^[[:space:]]*\.\.\./ { next }
      inst {
        f = $0; sub(/^[[:space:]]+/, "", f); sub(/[[:space:]]+line:.*$/, "", f)
        if (own == "" && f ~ /^dev\.portcullis\./) own = f
        if (first) { top[f]++; self[area(f)]++; first = 0 }
        a = area(f); if (!(a in seen)) { seen[a] = 1; incl[a]++ }
      }
      END {
        printf "samples %d\n", n
        for (f in top) printf "TOP\t%d\t%.1f\t%s\n", top[f], 100 * top[f] / n, f
        for (a in self) printf "SELF\t%d\t%.1f\t%s\n", self[a], 100 * self[a] / n, a
        for (a in incl) printf "INCL\t%d\t%.1f\t%s\n", incl[a], 100 * incl[a] / n, a
        for (f in ownc) printf "OWN\t%d\t%.1f\t%s\n", ownc[f], 100 * ownc[f] / n, f
      }' "$RUN_DIR/jfr-samples.txt" >"$RUN_DIR/jfr-analysis.tsv"
    samples="$(awk '/^samples/ {print $2}' "$RUN_DIR/jfr-analysis.tsv")"
    PROFILE_MD="$(
      echo "#### Gateway profile of $PROFILE_TARGET (JFR, settings=profile, one extra run: ${prof_rps} req/s, p99 ${prof_p99} ms under the profiler)"
      echo
      echo "Recorded for ${DURATION_S}s of steady state (connections already open). ${samples:-0} jdk.ExecutionSample events (threads running Java code) and ${native_n:-0} jdk.NativeMethodSample events (threads in native code). Recording: \`${JFR_FILE#"$ROOT"/}\`."
      echo
      echo "GC during the recording: ${gc_facts} (${gc_names:-none})."
      echo
      echo "Self time by area (top frame of each sample):"
      echo
      echo "| area | samples | % |"
      echo "|---|---:|---:|"
      awk -F'\t' '$1=="SELF" {print}' "$RUN_DIR/jfr-analysis.tsv" | sort -t$'\t' -k2,2nr \
        | awk -F'\t' '{printf "| %s | %s | %s |\n", $4, $2, $3}'
      echo
      echo "Samples with the area anywhere on the stack (inclusive; a sample counts once per area):"
      echo
      echo "| area | samples | % |"
      echo "|---|---:|---:|"
      awk -F'\t' '$1=="INCL" {print}' "$RUN_DIR/jfr-analysis.tsv" | sort -t$'\t' -k2,2nr \
        | awk -F'\t' '{printf "| %s | %s | %s |\n", $4, $2, $3}'
      echo
      echo "Top 25 frames (self):"
      echo
      echo "| samples | % | frame |"
      echo "|---:|---:|---|"
      awk -F'\t' '$1=="TOP" {print}' "$RUN_DIR/jfr-analysis.tsv" | sort -t$'\t' -k2,2nr | head -25 \
        | awk -F'\t' '{printf "| %s | %s | `%s` |\n", $2, $3, $4}'
      echo
      echo "Samples by the innermost Portcullis frame on the stack (the gateway code the work was done for; top 10):"
      echo
      echo "| samples | % | frame |"
      echo "|---:|---:|---|"
      awk -F'\t' '$1=="OWN" {print}' "$RUN_DIR/jfr-analysis.tsv" | sort -t$'\t' -k2,2nr | head -10 \
        | awk -F'\t' '{printf "| %s | %s | `%s` |\n", $2, $3, $4}'
      echo
      echo "Top 5 frames of the native-method samples:"
      echo
      echo "| samples | % | frame |"
      echo "|---:|---:|---|"
      if [[ -n "$native_top" ]]; then awk -F'\t' '{printf "| %s | %s | `%s` |\n", $1, $2, $3}' <<<"$native_top"; fi
    )"
  else
    log "PROFILE requested but jcmd/jfr are not available; skipping the profile"
  fi
fi

# ---------------------------------------------------------------------------------------------
# 11. Report.
GW_LOG="$RUN_DIR/gateway/gateway.log"
GW_WARN="$(grep -c '"level":"WARN"' "$GW_LOG" 2>/dev/null || true)"
GW_ERROR="$(grep -c '"level":"ERROR"' "$GW_LOG" 2>/dev/null || true)"
NGX_ERR="$(grep -vc '^\s*$' "$NGX/logs/error.log" 2>/dev/null || true)"

printf '\n%-16s %10s %9s %9s %9s %9s %6s %6s %6s %6s %6s %7s %6s %s\n' target "req/s" "p50 ms" "p99 ms" "avg ms" "max ms" proxy echo wrk other kernel "us/req" "seg/rq" "non-2xx / socket errors"
for t in "${TARGETS[@]}"; do
  printf '%-16s %10s %9s %9s %9s %9s %6s %6s %6s %6s %6s %7s %6s %s / %s\n' "$t" "${RPS[$t]}" "${P50[$t]}" "${P99[$t]}" \
    "${AVG[$t]}" "${MAXL[$t]}" "${PCPU[$t]}" "${ECPU[$t]}" "${WCPU[$t]}" "${OCPU[$t]}" "${KCPU[$t]}" "${CPUREQ[$t]}" "${SEGS[$t]}" "${NON2XX[$t]}" "${SOCKERR[$t]}"
done
printf '(proxy/echo/wrk/other/kernel: CPU cores used during the measured run; other = every other process;\n kernel = machine busy time charged to no process, mostly softirq network processing;\n us/req = proxy CPU microseconds per request; seg/rq = TCP segments sent on the machine per request)\n'
printf '\ngateway/nginx throughput: %s (target >= %s: %s)\n' "$RPS_RATIO" "$TARGET_RPS_RATIO" "$RPS_OK"
printf 'gateway/nginx p99:        %s (target <= %s: %s)\n' "$P99_RATIO" "$TARGET_P99_RATIO" "$P99_OK"
printf 'gateway+ipallow/gateway throughput: %s (target >= 0.95, chain under 5%%: %s)\n' "$POLICY_RATIO" "$POLICY_OK"
[[ "$CHAIN" == 1 ]] && printf 'gateway+chain/nginx throughput: %s (target >= %s: %s)\n' "$CHAIN_RATIO" "$TARGET_RPS_RATIO" "$CHAIN_OK"
printf 'gateway log: %s WARN, %s ERROR lines; nginx error.log: %s lines\n\n' "${GW_WARN:-0}" "${GW_ERROR:-0}" "${NGX_ERR:-0}"

# (wrk -v exits 1 after printing its version; none of these may stop the report.)
CPU_MODEL="$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo || true)"
JAVA_V="$( (java -version 2>&1 || true) | head -1)"
NGINX_V="$( (nginx -v 2>&1 || true) | head -1)"
WRK_V="$( (wrk -v 2>&1 || true) | head -1 | awk '{print $1, $2, $3}')"
OPENSSL_V="$(openssl version 2>/dev/null || true)"

MD="$RUN_DIR/results.md"
{
  echo "<!-- generated by loadtests/run-proxy-bench.sh -->"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- machine: $(nproc) CPUs (\`nproc\`), ${CPU_MODEL:-unknown CPU}; kernel $(uname -r)"
  echo "- gateway build: \`${GW_BUILD:-?}\` from distribution/target/portcullis; repository at $GIT_REV"
  echo "- java: \`$JAVA_V\` (gateway: \`JAVA_OPTS=-Xmx1g\`, \`PORTCULLIS_ACCESS_LOG_LEVEL=WARN\`; echo backend: \`-Xmx512m\`)"
  echo "- nginx: \`$NGINX_V\` (worker_processes 2, access_log off, upstream keepalive 64)"
  echo "- wrk: \`$WRK_V\`; $OPENSSL_V"
  echo "- load: \`wrk -t$THREADS -c$CONNECTIONS -d${DURATION_S}s --latency\` after a ${WARMUP_S}s warm-up, GET \`$BENCH_PATH\`, keep-alive, all on 127.0.0.1 (wrk, proxies and echo share the same CPUs)"
  while IFS= read -r line; do echo "- $line"; done <"$RUN_DIR/wrk/samples.txt"
  echo
  echo "| target | requests/s | p50 ms | p99 ms | avg ms | max ms | CPU proxy | CPU echo | CPU wrk | CPU other processes | CPU unattributed | proxy CPU µs/request | TCP segments/request | non-2xx | socket errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for t in "${TARGETS[@]}"; do
    echo "| $t | ${RPS[$t]} | ${P50[$t]} | ${P99[$t]} | ${AVG[$t]} | ${MAXL[$t]} | ${PCPU[$t]} | ${ECPU[$t]} | ${WCPU[$t]} | ${OCPU[$t]} | ${KCPU[$t]} | ${CPUREQ[$t]} | ${SEGS[$t]} | ${NON2XX[$t]} | ${SOCKERR[$t]} |"
  done
  echo
  echo "CPU columns: cores used during the measured run (CPU seconds / wall seconds, from /proc); \"CPU other processes\" is every other process on the machine, so a value well above 0 means the run was disturbed (the busiest are listed below); \"CPU unattributed\" is the rest of the machine's busy time, charged to no process (mostly the kernel's softirq network processing on loopback). \"TCP segments/request\": segments sent on the whole machine during the run (from /proc/net/snmp) divided by the requests wrk completed. Load average at start: $LOADAVG_START; at the end of the measured runs: $LOADAVG_END."
  for t in "${TARGETS[@]}"; do
    if [[ "${OCPU[$t]}" != 0.00 ]]; then
      echo "- other processes busiest during the $t run (CPU ticks of 1/${CLK_TCK}s): ${OTOP[$t]}"
    fi
  done
  echo
  echo "- gateway/nginx throughput: **$RPS_RATIO** (target ≥ $TARGET_RPS_RATIO: $RPS_OK)"
  echo "- gateway/nginx p99: **$P99_RATIO** (target ≤ $TARGET_P99_RATIO: $P99_OK)"
  echo "- gateway+ipallow/gateway throughput: **$POLICY_RATIO** (the ip-allowlist chain should cost under 5 %, i.e. ≥ 0.95: $POLICY_OK)"
  if [[ "$CHAIN" == 1 ]]; then
    echo "- gateway+chain/nginx throughput: **$CHAIN_RATIO** (bearer JWT + ip-allowlist + rbac + timed-access + tenant-isolation; target ≥ $TARGET_RPS_RATIO: $CHAIN_OK)"
  fi
  echo "- gateway log during the run: ${GW_WARN:-0} WARN, ${GW_ERROR:-0} ERROR lines; nginx error.log: ${NGX_ERR:-0} lines"
  if (( ${GW_WARN:-0} + ${GW_ERROR:-0} > 0 )); then
    echo "- distinct gateway WARN/ERROR lines (count × level, message, exception):"
    if command -v python3 >/dev/null; then
      python3 - "$GW_LOG" <<'PY' || true
import collections, json, sys
seen = collections.Counter()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("level") not in ("WARN", "ERROR"):
        continue
    msg = e.get("message", e.get("formattedMessage", "?"))
    err = e.get("error") or e.get("throwable") or ""
    if isinstance(err, dict):
        err = "%s: %s" % (err.get("className", "?"), err.get("message"))
    err = str(err).split("\n")[0]
    if msg.startswith("Failed to register an accepted channel"):
        msg = "Failed to register an accepted channel: ..."
    seen[(e["level"], msg, err)] += 1
for (level, msg, err), n in seen.most_common(10):
    print("  - %d × %s %s%s" % (n, level, msg, (" — `%s`" % err) if err else ""))
PY
    else
      echo "  - (python3 is not available to summarise them; see ${GW_LOG#"$ROOT"/})"
    fi
  fi
  if [[ -n "$PROFILE_MD" ]]; then echo; echo "$PROFILE_MD"; fi
} >"$MD"

echo "----- markdown for RESULTS.md (also in ${MD#"$ROOT"/}) -----"
cat "$MD"
echo "----- end -----"
