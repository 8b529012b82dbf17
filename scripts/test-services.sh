#!/usr/bin/env bash
# Installs and starts what the test suite talks to besides itself:
#  - PostgreSQL (Debian package) with a 'portcullis' role and a 'portcullis_test' database,
#    for the IAM store suite that runs against H2 *and* PostgreSQL;
#  - Chromium and ChromeDriver (Debian packages) for the login-portal browser tests;
#  - haproxy (Debian package; only the binary, the tests start their own) for the cluster failover
#    test in front of three instances (config/src/test/.../ClusterFailoverIT);
#  - unzip, for scripts/keycloak.sh.
# Keycloak is fetched from Maven Central by the tests themselves (scripts/keycloak.sh).
# Idempotent: run it as often as you like; it needs root (or sudo) for apt and the server.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
command -v pg_ctlcluster >/dev/null && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v haproxy >/dev/null || missing+=(haproxy)
command -v unzip >/dev/null || missing+=(unzip)   # scripts/keycloak.sh unpacks the Keycloak distribution
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

# Start the first cluster Debian created (pg_createcluster runs on package install; create one if not).
if [ -z "$(pg_lsclusters --no-header 2>/dev/null)" ]; then
  version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
  $SUDO pg_createcluster "$version" main
fi
read -r version cluster _ < <(pg_lsclusters --no-header | head -1)
if ! pg_lsclusters --no-header | head -1 | grep -q online; then
  $SUDO pg_ctlcluster "$version" "$cluster" start   # waits until the server accepts connections
fi
as_postgres psql -qtAc 'select 1' >/dev/null
as_postgres psql -v ON_ERROR_STOP=1 -qtAc "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portcullis') THEN
    CREATE ROLE portcullis LOGIN PASSWORD 'portcullis-test-only';
  END IF; END \$\$;"
if ! as_postgres psql -qtAc "SELECT 1 FROM pg_database WHERE datname = 'portcullis_test'" | grep -q 1; then
  as_postgres createdb -O portcullis portcullis_test
fi
echo "PostgreSQL $version/$cluster ready: jdbc:postgresql://127.0.0.1:5432/portcullis_test (user portcullis)"
# sed, not head: head closing the pipe early would SIGPIPE haproxy and, under pipefail, print "missing".
echo "haproxy: $(haproxy -v 2>/dev/null | sed -n 1p || echo missing)"
echo "Chromium: $(chromium --version 2>/dev/null || echo missing); ChromeDriver: $(chromedriver --version 2>/dev/null || echo missing)"
