#!/usr/bin/env bash
# Fuzzes what Tagar takes in from outside (not part of CI): the post conversion, JSONL replay
# lines, the text rules and the classifier, each for SECONDS (default 600), with libFuzzer and
# AddressSanitizer through cargo-fuzz. A crash, a panic, an assertion of a target or an input
# slower than 10 s stops the run and leaves the input in fuzz/artifacts/<target>/.
#
#   deploy/local/fuzz.sh                      # every target, 10 minutes each
#   deploy/local/fuzz.sh classifier 60        # one target, one minute
#
# The corpus grows in fuzz/corpus/<target>/ (not committed), seeded from fuzz/seeds/ and a
# replay written by `tagar gen` in five languages.
set -euo pipefail
cd "$(dirname "$0")/../.."

targets=(post_conversion jsonl text_rules classifier)
if [[ $# -ge 1 && $1 != all ]]; then targets=("$1"); fi
seconds=${2:-600}

if ! command -v cargo-fuzz >/dev/null; then
  echo "==> installing cargo-fuzz 0.13.2"
  cargo install cargo-fuzz --locked --version 0.13.2
fi
# cargo-fuzz passes nightly flags (-Z sanitizer); the pinned stable toolchain takes them so.
export RUSTC_BOOTSTRAP=1

echo "==> seeds: a replay from tagar gen"
mkdir -p fuzz/target
cargo run --quiet --release -p tagar -- gen --posts 300 --seed 7 --out fuzz/target/seed-replay.jsonl >/dev/null
python3 - <<'PY'
import json, os, pathlib
lines = pathlib.Path("fuzz/target/seed-replay.jsonl").read_text().splitlines()
for target in ("jsonl", "text_rules", "classifier"):
    os.makedirs(f"fuzz/corpus/{target}", exist_ok=True)
for i, line in enumerate(lines[:300]):
    post = json.loads(line)
    pathlib.Path(f"fuzz/corpus/jsonl/gen-{i}").write_text(line)
    text = post.get("text", "")
    pathlib.Path(f"fuzz/corpus/classifier/gen-{i}").write_text(f"{post.get('language') or ''}\0{text}")
    tags = [w for w in text.split() if w.startswith("#")]
    pathlib.Path(f"fuzz/corpus/text_rules/gen-{i}").write_text(f"{tags[0] if tags else 'kopi'}\0{text}")
PY

cd fuzz
for target in "${targets[@]}"; do
  echo "==> $target for ${seconds}s"
  mkdir -p "corpus/$target"
  cargo fuzz run --release "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
    -print_final_stats=1 2>&1 | tee "target/$target.log" | grep -E "^#[0-9]+.*(pulse|DONE)|stat::|ERROR|panicked|SUMMARY" || true
  if grep -qE "ERROR: libFuzzer|panicked|SUMMARY: AddressSanitizer" "target/$target.log"; then
    echo "$target: FAILED, see fuzz/target/$target.log and fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
