#!/usr/bin/env bash
# Makes sure the Tansu broker (a Kafka-protocol broker in Rust) is built, once, into a cache
# directory of its own, with its SQLite storage engine, which the test harness uses (the
# memory engine of Tansu 0.6 skips records when a consumer resumes inside a producer batch).
# Prints the binary's path last.
set -euo pipefail

version=0.6.0
root="${TAGAR_CACHE:-$HOME/.cache/tagar}/tansu-$version"
bin="$root/bin/tansu"
if [ ! -x "$bin" ]; then
  echo "tansu: building $version into $root (about 10 minutes on 2 cores, once)" >&2
  cargo install --locked --quiet tansu --version "$version" --features dynostore,postgres,libsql --root "$root" >&2
fi
echo "$bin"
