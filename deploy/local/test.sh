#!/usr/bin/env bash
# Runs Tagar's whole test suite: sets up what the tests need (PostgreSQL, the Tansu broker),
# checks formatting and lints, then runs every test of the workspace. The tests start their
# own broker on a free port and create their own databases; nothing else needs to run.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n==> %s\n' "$*"; }

step "PostgreSQL"
deploy/local/ensure-postgres.sh
step "Tansu broker"
TANSU_BIN=$(deploy/local/ensure-tansu.sh | tail -n 1)
export TANSU_BIN
echo "tansu: $TANSU_BIN"

# The tests' databases and broker directories: removed before the run (a run that was
# interrupted leaves them) and after it, so repeated runs do not fill the disk.
export PGPASSWORD=postgres
clean_up() {
  psql -q -h 127.0.0.1 -U postgres -d postgres -At \
    -c "SELECT datname FROM pg_database WHERE datname LIKE 'tagar\_test\_%'" |
    while read -r db; do
      psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
    done
  rm -rf "${TMPDIR:-/tmp}"/tagar-tansu-*
}

step "Removing test databases and broker directories left by earlier runs"
clean_up
finish() {
  step "Removing this run's test databases and broker directories"
  clean_up
}
trap finish EXIT

step "Formatting"
cargo fmt --all -- --check
step "Lints"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "Tests"
cargo test --workspace --locked
