#!/usr/bin/env bash
# What authentication costs on the hot path, measured side by side in one run (loadtests/README.md):
#
#   loadtests/run-identity-bench.sh [BASELINE_DIST]
#
#  1. no-identity: a public route on this build, and (when BASELINE_DIST, the distribution directory
#     of an older build, is given) the same route on that build, alternating, to see what the
#     added pipeline stages cost a gateway that authenticates nobody;
#  2. identity: this build with an identity: section; a public route, a route that requires a
#     session (a real session cookie from signing in), the same with a signed identity assertion,
#     and the same with the mfa-totp policy (the demo user enrols a TOTP authenticator first).
#
# Environment: DURATION=20s WARMUP=10s CONNECTIONS=64 THREADS=2 ROUNDS=2. Loopback only; everything
# started here is stopped on exit. Needs wrk (apt-get install wrk), curl, java, python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="$ROOT/distribution/target/portcullis"
BASELINE="${1:-}"
ECHO_JAR="$ROOT/sample-backends/target/portcullis-sample-backends-0.1.0-SNAPSHOT-echo.jar"
DURATION="${DURATION:-20s}"; WARMUP="${WARMUP:-10s}"; CONNECTIONS="${CONNECTIONS:-64}"; THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-2}"
log() { printf '[identity-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[[ -x "$DIST/bin/portcullis" && -f "$ECHO_JAR" ]] || die "build first: mvn -B -DskipTests package"
for tool in wrk curl java python3; do command -v "$tool" >/dev/null || die "'$tool' is needed"; done

RUN="$ROOT/loadtests/work/identity-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$RUN"
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

read -r ECHO GW ADMIN HZ <<<"$(python3 -c 'import socket
s=[socket.socket() for _ in range(4)]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')"

wait_ok() { # url [curl args]
  local url="$1"; shift
  for _ in $(seq 1 240); do
    [[ "$(curl -sk -o /dev/null -w '%{http_code}' "$@" "$url" || true)" == 200 ]] && return 0
    sleep 0.25
  done
  die "$url never answered 200"
}

java -Xmx512m -jar "$ECHO_JAR" "$ECHO" >"$RUN/echo.log" 2>&1 & PIDS+=($!)
wait_ok "http://127.0.0.1:$ECHO/x"

config() { # file identity(yes|no)
  {
    echo "dataDir: $RUN/data-$(basename "$1" .yaml)"
    echo "listeners: { public: { host: 127.0.0.1, port: $GW }, admin: { host: 127.0.0.1, port: $ADMIN } }"
    echo "limits: { drainTimeout: 1s }"
    if [[ "$2" == yes ]]; then
      echo "identity: { store: { seedDemo: true }, passwords: { memory: 8MiB, iterations: 1 } }"
      echo "cluster: { host: 127.0.0.1, port: $HZ, portAutoIncrement: false }"
    fi
    echo "routes:"
    if [[ "$2" == yes ]]; then
      echo "  - { id: session, match: { pathPrefix: /session }, upstream: { targets: [ \"http://127.0.0.1:$ECHO\" ] } }"
      echo "  - { id: assert, match: { pathPrefix: /assert }, upstream: { targets: [ \"http://127.0.0.1:$ECHO\" ] }, assertion: {} }"
      echo "  - { id: mfa, match: { pathPrefix: /mfa }, upstream: { targets: [ \"http://127.0.0.1:$ECHO\" ] }, policies: [ { mfa-totp: { maxAge: 12h } } ] }"
    fi
    echo "  - { id: plain, match: { pathPrefix: / }, upstream: { targets: [ \"http://127.0.0.1:$ECHO\" ] }, public: true }"
  } >"$1"
}

start_gateway() { # dist config
  "$1/bin/portcullis" --config "$2" >"$RUN/gateway-$(basename "$2" .yaml)-$(date +%s).log" 2>&1 &
  GW_PID=$!; PIDS+=("$GW_PID")
  wait_ok "https://127.0.0.1:$GW/plain"
}
stop_gateway() { kill -TERM "$GW_PID"; wait "$GW_PID" 2>/dev/null || true; }

measure() { # label path [header]
  local label="$1" path="$2" header="${3:-X-Bench: 1}" out
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -H "$header" "https://127.0.0.1:$GW$path" >/dev/null
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$header" "https://127.0.0.1:$GW$path")"
  local rps p99 non2xx
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $5}' <<<"$out")"
  [[ -z "$non2xx" ]] || die "$label: $non2xx non-2xx answers (wrong cookie or route?)"
  printf '| %s | %s | %s |\n' "$label" "$rps" "$p99" | tee -a "$RUN/results.md"
}

totp() { # base32 secret -> the current RFC 6238 code (SHA-1, 6 digits, 30 s)
  python3 -c 'import base64,hmac,struct,sys,time
k=base64.b32decode(sys.argv[1].replace(" ","")+"="*(-len(sys.argv[1].replace(" ",""))%8))
h=hmac.new(k,struct.pack(">Q",int(time.time())//30),"sha1").digest()
o=h[-1]&15
print("%06d"%((struct.unpack(">I",h[o:o+4])[0]&0x7fffffff)%1000000))' "$1"
}

second_factor() { # after the password: enrol the demo user's authenticator (first round) or enter its code
  local page csrf
  if grep -q '__Host-portcullis-mfa' "$RUN/jar"; then
    page="$(curl -sk -c "$RUN/jar" -b "$RUN/jar" "https://127.0.0.1:$GW/.portcullis/mfa?rd=/")"
    csrf="$(grep -o 'name="csrf" value="[^"]*"' <<<"$page" | sed 's/.*value="//;s/"$//')"
    curl -sk -c "$RUN/jar" -b "$RUN/jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode rd=/ \
      --data-urlencode "code=$(totp "$(cat "$RUN/totp-secret")")" "https://127.0.0.1:$GW/.portcullis/mfa"
  else
    page="$(curl -sk -c "$RUN/jar" -b "$RUN/jar" "https://127.0.0.1:$GW/.portcullis/mfa/enrol?rd=/")"
    grep -o 'id="totp-secret">[A-Z2-7 ]*' <<<"$page" | sed 's/.*>//' >"$RUN/totp-secret"
    csrf="$(grep -o 'name="csrf" value="[^"]*"' <<<"$page" | sed 's/.*value="//;s/"$//')"
    curl -sk -c "$RUN/jar" -b "$RUN/jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode rd=/ \
      --data-urlencode "code=$(totp "$(cat "$RUN/totp-secret")")" "https://127.0.0.1:$GW/.portcullis/mfa/enrol"
  fi
}

printf '| target | requests/s | p99 |\n|---|---:|---:|\n' | tee "$RUN/results.md"
config "$RUN/plain.yaml" no
config "$RUN/identity.yaml" yes
for round in $(seq 1 "$ROUNDS"); do
  if [[ -n "$BASELINE" ]]; then
    start_gateway "$BASELINE" "$RUN/plain.yaml"; measure "baseline build, no identity (round $round)" /plain; stop_gateway
  fi
  start_gateway "$DIST" "$RUN/plain.yaml"; measure "this build, no identity (round $round)" /plain; stop_gateway
  start_gateway "$DIST" "$RUN/identity.yaml"
  rm -f "$RUN/jar"
  csrf_page="$(curl -sk -c "$RUN/jar" -b "$RUN/jar" "https://127.0.0.1:$GW/.portcullis/login")"
  csrf="$(grep -o 'name="csrf" value="[^"]*"' <<<"$csrf_page" | sed 's/.*value="//;s/"$//')"
  curl -sk -c "$RUN/jar" -b "$RUN/jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode rd=/ \
    --data-urlencode username=demo --data-urlencode password=portcullis-demo "https://127.0.0.1:$GW/.portcullis/login"
  second_factor
  session="$(awk '$6=="__Host-portcullis" {print $7}' "$RUN/jar")"
  [[ -n "$session" ]] || die "could not sign in"
  measure "identity on: public route (round $round)" /plain
  measure "identity on: session (round $round)" /session "Cookie: __Host-portcullis=$session"
  measure "identity on: session + assertion (round $round)" /assert "Cookie: __Host-portcullis=$session"
  measure "identity on: session + mfa-totp (round $round)" /mfa "Cookie: __Host-portcullis=$session"
  stop_gateway
done
log "results: $RUN/results.md"
