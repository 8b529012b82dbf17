#!/usr/bin/env bash
# A real Keycloak for the integration tests, without Docker.
#
#   scripts/keycloak.sh fetch                   download + unzip + pre-build (CI can call it ahead of time)
#   scripts/keycloak.sh start <port> <workdir>  fetch if needed, start `start-dev` on 127.0.0.1:<port>
#                                               in the background, exit 0 once launched
#   scripts/keycloak.sh stop <workdir>          SIGTERM the process group, SIGKILL after 30 s
#
# The distribution (org.keycloak:keycloak-quarkus-dist:<version>:zip from Maven Central) is unzipped
# once into $KEYCLOAK_HOME_CACHE and "built" for start-dev there (Quarkus augmentation, ~20 s), in a
# temporary directory that is renamed into place only when complete. `start` never writes into that
# cache: it lays out a private Keycloak home in <workdir>/home (bin/, conf/, providers/ and
# lib/quarkus/ copied, ~5 MB; lib/lib/ and themes/ symlinked to the cache), so the H2 database
# (home/data/h2), transaction logs and any re-build live in <workdir> only. Every `start` wipes
# <workdir>/home, so each run begins with a fresh master realm.
#
# Files in <workdir>: keycloak.pid (PID = process group of kc.sh and its JVM), keycloak.log.
# The caller polls http://127.0.0.1:<port>/realms/master/.well-known/openid-configuration (ready in
# ~11-12 s on 2 cores once fetched) and should also give up if the PID dies (bad JVM flags, port
# taken by a server that was still starting: the port check here is best effort).
# A `start` that has to fetch first blocks ~20 s more (download if missing, unzip, build).
# Bootstrap admin: admin / admin-test-only (master realm, client admin-cli).
#
# Environment: KEYCLOAK_VERSION (26.7.3), KEYCLOAK_HOME_CACHE, M2_REPO (~/.m2/repository),
#              KEYCLOAK_HEAP ("-Xms64m -Xmx512m"), JAVA_OPTS_APPEND (extra JVM flags), JAVA_HOME.
set -euo pipefail

KC_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
CACHE="${KEYCLOAK_HOME_CACHE:-$HOME/.cache/portcullis/keycloak-$KC_VERSION}"
M2="${M2_REPO:-$HOME/.m2/repository}"
ZIP="$M2/org/keycloak/keycloak-quarkus-dist/$KC_VERSION/keycloak-quarkus-dist-$KC_VERSION.zip"
ADMIN_USER="admin"
ADMIN_PASSWORD="admin-test-only"
MARKER=".portcullis-keycloak-home"

die() { echo "keycloak.sh: $*" >&2; exit 1; }

real_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"; else command -v java || die "no java on the PATH"; fi
}

download() {
  if [ -f "$ZIP" ]; then return 0; fi
  local repo_opt=()
  if [ -n "${M2_REPO:-}" ]; then repo_opt=("-Dmaven.repo.local=$M2_REPO"); fi
  echo "keycloak.sh: downloading org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip" >&2
  mvn -B -q "${repo_opt[@]}" dependency:get \
      "-Dartifact=org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip" -Dtransitive=false >&2
  [ -f "$ZIP" ] || die "download finished but $ZIP is missing"
}

# Unzip into a temp dir next to the cache, run the start-dev build (augmentation) there, then rename.
unpack() {
  if [ -f "$CACHE/.complete" ]; then return 0; fi
  download
  if [ -f "$ZIP.sha1" ]; then
    local want have
    want="$(cut -c1-40 < "$ZIP.sha1")"
    have="$(sha1sum "$ZIP" | cut -c1-40)"
    [ "$want" = "$have" ] || die "checksum mismatch for $ZIP (delete it and retry)"
  fi
  local parent tmp
  parent="$(dirname "$CACHE")"
  mkdir -p "$parent"
  tmp="$(mktemp -d "$parent/.keycloak-unzip.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  echo "keycloak.sh: unzipping into $CACHE" >&2
  unzip -q "$ZIP" -d "$tmp"
  local dist="$tmp/keycloak-$KC_VERSION"
  [ -x "$dist/bin/kc.sh" ] || die "unexpected zip layout: no keycloak-$KC_VERSION/bin/kc.sh"

  # Pre-build for start-dev. `kc.sh build` refuses the dev profile, so run start-dev with a JAVA
  # wrapper: the first JVM re-augments and exits 10, kc.sh then re-launches with
  # -Dkc.config.built=true, which the wrapper turns into a no-op instead of starting the server.
  echo "keycloak.sh: building Keycloak for start-dev (Quarkus augmentation)" >&2
  local wrapper="$tmp/augment-only-java"
  cat > "$wrapper" <<EOF
#!/bin/sh
for a in "\$@"; do [ "\$a" = "-Dkc.config.built=true" ] && exit 0; done
exec "$(real_java)" "\$@"
EOF
  chmod +x "$wrapper"
  if ! env -u JAVA_OPTS JAVA="$wrapper" JAVA_OPTS_KC_HEAP="${KEYCLOAK_HEAP:--Xms64m -Xmx512m}" \
      "$dist/bin/kc.sh" start-dev --http-port=0 --http-host=127.0.0.1 > "$tmp/build.log" 2>&1 < /dev/null; then
    cat "$tmp/build.log" >&2
    die "Keycloak build failed"
  fi
  grep -q "kc.profile=dev" <(unzip -p "$dist/lib/quarkus/generated-bytecode.jar" META-INF/keycloak-persisted.properties 2>/dev/null) \
    || { cat "$tmp/build.log" >&2; die "Keycloak build did not persist the dev profile"; }
  rm -rf "$dist/data"
  touch "$dist/.complete"

  # Atomic publish: rename fails if another process published first; then use theirs.
  if mv -T "$dist" "$CACHE" 2>/dev/null; then
    echo "keycloak.sh: Keycloak $KC_VERSION ready in $CACHE" >&2
  elif [ ! -f "$CACHE/.complete" ]; then
    die "could not move the unzipped Keycloak to $CACHE"
  fi
  rm -rf "$tmp"
  trap - EXIT
}

fetch() {
  local parent
  parent="$(dirname "$CACHE")"
  mkdir -p "$parent"
  if command -v flock >/dev/null; then
    (
      flock 9
      unpack
    ) 9> "$parent/.keycloak-$KC_VERSION.lock"
  else
    unpack
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  local port="$1" workdir="$2"
  [[ "$port" =~ ^[0-9]+$ ]] || die "port must be a number: $port"
  fetch
  mkdir -p "$workdir"
  workdir="$(cd "$workdir" && pwd)"
  local pidfile="$workdir/keycloak.pid" log="$workdir/keycloak.log" home="$workdir/home"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    die "already running with PID $(cat "$pidfile") (scripts/keycloak.sh stop $workdir)"
  fi
  if port_in_use "$port"; then die "port $port is already in use"; fi

  # Fresh private home: small parts copied, big read-only parts symlinked to the cache.
  if [ -e "$home" ]; then
    [ -f "$home/$MARKER" ] || die "$home exists and was not made by this script; not deleting it"
    rm -rf "$home"
  fi
  mkdir -p "$home/lib"
  cp -R "$CACHE/bin" "$CACHE/conf" "$CACHE/providers" "$home/"
  cp -R "$CACHE/lib/app" "$CACHE/lib/quarkus" "$CACHE/lib/quarkus-run.jar" "$home/lib/"
  ln -s "$CACHE/lib/lib" "$home/lib/lib"
  ln -s "$CACHE/themes" "$home/themes"
  touch "$home/$MARKER"
  rm -f "$pidfile"

  # setsid: kc.sh becomes the leader of a new process group (PID = PGID), so `stop` can signal
  # kc.sh and its JVM together. kc.sh does not exec java (it forwards TERM to a child JVM), except
  # after a re-build, when it execs the second JVM.
  # JAVA_OPTS would replace kc.sh's JVM defaults (heap included); extra flags go in JAVA_OPTS_APPEND.
  env -u JAVA_OPTS KC_BOOTSTRAP_ADMIN_USERNAME="$ADMIN_USER" KC_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  JAVA_OPTS_KC_HEAP="${KEYCLOAK_HEAP:--Xms64m -Xmx512m}" \
    setsid sh -c 'echo $$ > "$0"; exec "$1" start-dev --http-port="$2" --http-host=127.0.0.1' \
      "$pidfile" "$home/bin/kc.sh" "$port" > "$log" 2>&1 < /dev/null &
  for _ in $(seq 1 50); do [ -s "$pidfile" ] && break; sleep 0.1; done
  [ -s "$pidfile" ] || die "Keycloak did not start; see $log"
  echo "keycloak.sh: Keycloak starting, PID $(cat "$pidfile"), http://127.0.0.1:$port, log $log" >&2
}

stop() {
  local workdir="$1"
  local pidfile="$workdir/keycloak.pid"
  [ -f "$pidfile" ] || { echo "keycloak.sh: no $pidfile; nothing to stop" >&2; return 0; }
  local pid
  pid="$(cat "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || die "bad PID in $pidfile: $pid"
  # The group -PID holds kc.sh and its JVM (see start).
  if kill -0 -- "-$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do
      kill -0 -- "-$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 -- "-$pid" 2>/dev/null; then
      echo "keycloak.sh: still running after 30 s; sending SIGKILL" >&2
      kill -KILL -- "-$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  fetch) [ $# -eq 1 ] || die "usage: $0 fetch"; fetch ;;
  start) [ $# -eq 3 ] || die "usage: $0 start <port> <workdir>"; start "$2" "$3" ;;
  stop)  [ $# -eq 2 ] || die "usage: $0 stop <workdir>"; stop "$2" ;;
  *) echo "usage: $0 fetch | start <port> <workdir> | stop <workdir>" >&2; exit 2 ;;
esac
