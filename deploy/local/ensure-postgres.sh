#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432 and accepts user postgres with password
# postgres over TCP (what the tests use). Starts the local cluster, or installs PostgreSQL
# from Debian's packages first when there is none.
set -euo pipefail

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ready; then
  echo "postgres: running on 127.0.0.1:5432"
  exit 0
fi
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "postgres: not installed; installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
echo "postgres: starting cluster $version/main"
as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do ready && break; sleep 1; done
ready || { echo "postgres: did not start; see /var/log/postgresql/" >&2; exit 1; }
# Password logins over TCP need a password; trust setups ignore it.
as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\""
echo "postgres: running on 127.0.0.1:5432"
