#!/usr/bin/env bash
# Runs a real Bluesky PDS and PLC directory on this machine, for trying Tagar's Bluesky
# connector without an account on bsky.social: installs them once (ensure-pds.sh), then
# serves the PDS on http://localhost:${PDS_PORT:-2583} until Ctrl-C. Accounts are made with
# `com.atproto.server.createAccount` (no invite needed), e.g.
#   curl -s -XPOST localhost:2583/xrpc/com.atproto.server.createAccount \
#     -H 'content-type: application/json' \
#     -d '{"handle":"kopi.test","email":"kopi@example.test","password":"hunter22"}'
# Everything is in memory: it starts empty each time.
set -euo pipefail
cd "$(dirname "$0")/../.."
home=$(deploy/local/ensure-pds.sh | tail -n 1)
script=$(cat deploy/local/pds/start.mjs)
export PDS_PORT="${PDS_PORT:-2583}" PLC_PORT="${PLC_PORT:-2582}"
echo "pds: starting on http://localhost:$PDS_PORT (PLC on $PLC_PORT); Ctrl-C stops it" >&2
cd "$home/atproto"
# Standard input stays open (a pipe from `sleep infinity`) until this script is stopped.
sleep infinity | "$home/node" --input-type=module -e "$script"
