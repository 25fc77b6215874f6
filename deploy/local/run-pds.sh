#!/usr/bin/env bash
# Runs a real Bluesky network on this machine (a PDS and PLC directory, with the AppView and
# the moderation service behind the PDS), for trying Tagar's Bluesky connector without an
# account on bsky.social: installs them once (ensure-pds.sh), starts a Redis of its own
# (ensure-redis.sh) and uses a database `tagar_bluesky` on the local PostgreSQL
# (ensure-postgres.sh), then serves the PDS on http://localhost:${PDS_PORT:-2583} until Ctrl-C. Accounts are made with
# `com.atproto.server.createAccount` (no invite needed), e.g.
#   curl -s -XPOST localhost:2583/xrpc/com.atproto.server.createAccount \
#     -H 'content-type: application/json' \
#     -d '{"handle":"kopi.test","email":"kopi@example.test","password":"hunter22"}'
# It starts empty each time (the database's schema is dropped and made again).
set -euo pipefail
cd "$(dirname "$0")/../.."
home=$(deploy/local/ensure-pds.sh | tail -n 1)
deploy/local/ensure-postgres.sh >&2
redis=$(deploy/local/ensure-redis.sh | tail -n 1)
redis_port=${REDIS_PORT:-2584}
"$redis" --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null' EXIT
export PGPASSWORD=postgres
psql -q -h 127.0.0.1 -U postgres -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'tagar_bluesky'" |
  grep -q 1 || psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE tagar_bluesky"
psql -q -h 127.0.0.1 -U postgres -d tagar_bluesky \
  -c "DROP SCHEMA IF EXISTS appview_tagar CASCADE; DROP SCHEMA IF EXISTS bsync_tagar CASCADE; DROP SCHEMA IF EXISTS ozone_tagar CASCADE"
export DB_POSTGRES_URL=postgres://postgres:postgres@127.0.0.1:5432/tagar_bluesky
export DB_POSTGRES_SCHEMA=tagar REDIS_HOST="127.0.0.1:$redis_port"
script=$(cat deploy/local/pds/start.mjs)
export PDS_PORT="${PDS_PORT:-2583}" PLC_PORT="${PLC_PORT:-2582}"
echo "pds: starting on http://localhost:$PDS_PORT (PLC on $PLC_PORT); Ctrl-C stops it" >&2
cd "$home/atproto"
# Standard input stays open (a pipe from `sleep infinity`) until this script is stopped.
sleep infinity | "$home/node" --input-type=module -e "$script"
