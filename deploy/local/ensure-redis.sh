#!/usr/bin/env bash
# Makes sure a redis-server binary is installed (the Bluesky AppView the tests start needs a
# Redis; each test process starts one of its own on a free port), installing Debian's
# redis-server when there is none; prints its path last.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis: not installed; installing Debian's redis-server" >&2
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq redis-server >/dev/null
fi
command -v redis-server
