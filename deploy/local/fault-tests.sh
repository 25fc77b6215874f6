#!/usr/bin/env bash
# Tagar under real faults (not part of CI or deploy/local/test.sh: about 3 minutes, and it
# restarts servers of its own). While 4,000 posts are replayed and three posts are scheduled:
#   - PostgreSQL (a cluster of the test's own, via initdb) is restarted three times;
#   - the Tansu broker (one of the test's own, on SQLite) is killed and restarted three times;
#   - the distributed services, then the standalone process, are killed with SIGKILL at
#     random moments, many times.
# Afterwards the counts must be exact: every post counted once, every abusive post in the
# review queue once, every scheduled post published once.
#
#   deploy/local/fault-tests.sh                 # all four
#   deploy/local/fault-tests.sh broker          # those whose name contains "broker"
set -euo pipefail
cd "$(dirname "$0")/../.."

deploy/local/ensure-postgres.sh
TANSU_BIN=$(deploy/local/ensure-tansu.sh | tail -n 1)
export TANSU_BIN
# The fault tests are the end-to-end suite's ignored tests (tests/e2e/faults.rs). One at a
# time: each starts servers and a whole system of its own.
filters=("$@")
if [[ ${#filters[@]} -eq 0 ]]; then filters=(faults::); fi
cargo test -p tagar --test e2e -- --ignored --test-threads=1 --nocapture "${filters[@]}"
