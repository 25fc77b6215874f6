#!/usr/bin/env bash
# Runs Tagar's whole test suite: sets up what the tests need (PostgreSQL, the Tansu broker,
# a Bluesky network, Redis for its AppView), checks formatting and lints, then runs every test of the workspace. The
# tests start their own broker and PDS on free ports and create their own databases; nothing
# else needs to run.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n==> %s\n' "$*"; }

step "PostgreSQL"
deploy/local/ensure-postgres.sh
step "Tansu broker"
TANSU_BIN=$(deploy/local/ensure-tansu.sh | tail -n 1)
export TANSU_BIN
echo "tansu: $TANSU_BIN"
step "Bluesky PDS (Node 22 and @atproto/dev-env, for the Bluesky tests)"
TAGAR_PDS_HOME=$(deploy/local/ensure-pds.sh | tail -n 1)
export TAGAR_PDS_HOME
echo "pds: $TAGAR_PDS_HOME"
step "Redis (for the Bluesky AppView the tests start)"
TAGAR_REDIS_SERVER=$(deploy/local/ensure-redis.sh | tail -n 1)
export TAGAR_REDIS_SERVER
echo "redis: $TAGAR_REDIS_SERVER"
step "grpcurl"
GRPCURL_BIN=$(deploy/local/ensure-grpcurl.sh | tail -n 1)
export GRPCURL_BIN
echo "grpcurl: $GRPCURL_BIN"

# Test databases (`tagar_test_…` on the server) and temporary files. This run's temporary
# files (broker directories, SQLite files) go to a directory of its own, removed at the end.
# Databases not in use are dropped before and after the run: those a run killed midway left,
# then this run's own. A database another run is using is left to it.
export PGPASSWORD=postgres
drop_test_databases() {
  psql -q -h 127.0.0.1 -U postgres -d postgres -At \
    -c "SELECT datname FROM pg_database WHERE datname LIKE 'tagar\_test\_%'" |
    while read -r db; do
      psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" 2>/dev/null ||
        echo "left $db: in use by another run"
    done
}

step "Removing test databases and files left by earlier runs"
drop_test_databases
# Broker directories of runs that ended more than an hour ago without cleaning up.
find "${TMPDIR:-/tmp}" -maxdepth 1 \( -name 'tagar-tansu-*' -o -name 'tagar-test-run.*' \) \
  -mmin +60 -exec rm -rf {} + 2>/dev/null || true
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/tagar-test-run.XXXXXX")
export TMPDIR="$run_tmp"

finish() {
  local status=$?
  set +e
  step "Removing this run's test databases and files"
  drop_test_databases
  rm -rf "$run_tmp"
  exit "$status"
}
trap finish EXIT

step "Formatting"
cargo fmt --all -- --check
step "Lints"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "Tests"
cargo test --workspace --locked
