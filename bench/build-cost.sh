#!/usr/bin/env bash
# Build cost of the code generation: a clean `cargo build -p uumit-api` against a clean
# build of the same crate without the build step, in fresh target directories under /tmp,
# taking turns for ROUNDS rounds (default 3). The crate without the build step is a copy
# of the workspace at HEAD whose root package has the generated files checked in under
# src/generated, and no build.rs or build dependencies. So both builds compile the same
# runtime dependencies and the same generated code. Then the build script's own run time
# (from cargo's --timings data), a no-op rebuild, the rebuild after `touch openapi.json`
# and the rebuild after a real edit of the spec (a changed description, put back after).
#
# Usage: bench/build-cost.sh   (about 2 minutes a round; BUILD_DIR sets the scratch place)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
BUILD_DIR=${BUILD_DIR:-/tmp/uumit-build-cost}
OUT=$PWD/target/bench-results/build-cost
mkdir -p "$OUT"
rm -rf "$BUILD_DIR"
mkdir -p "$BUILD_DIR"

# The spec edit below is undone however the script ends.
cp openapi.json "$BUILD_DIR/openapi.json.orig"
restore_spec() { cmp -s "$BUILD_DIR/openapi.json.orig" openapi.json || cp "$BUILD_DIR/openapi.json.orig" openapi.json; }
trap restore_spec EXIT

# Prints the seconds a command takes.
seconds() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>>"$OUT/cargo.log"
  end=$(date +%s%N)
  python3 -c "print(f'{($end - $start) / 1e9:.1f}')"
}

: >"$OUT/cargo.log"
: >"$OUT/rounds"
cargo fetch -q
PREGENERATED=$BUILD_DIR/pregenerated
# Makes the copy of the workspace without the build step from the files a build generated.
make_pregenerated() {
  local out
  out=$(ls -d "$BUILD_DIR"/full/debug/build/uumit-api-*/out | head -1)
  mkdir -p "$PREGENERATED/src/generated"
  git archive HEAD | tar -x -C "$PREGENERATED"
  cp "$out"/*.rs "$PREGENERATED/src/generated/"
  sed -i 's|concat!(env!("OUT_DIR"), "/\([a-z_]*\.rs\)")|"generated/\1"|' "$PREGENERATED/src/lib.rs"
  rm "$PREGENERATED/build.rs"
  python3 - "$PREGENERATED/Cargo.toml" <<'EOF'
import re, sys
path = sys.argv[1]
text = open(path).read()
text = text.replace('build = "build.rs"\n', "")
text = re.sub(r"\[build-dependencies\]\n(?:[^\[\n][^\n]*\n|\n)*", "", text)
open(path, "w").write(text)
EOF
  if grep -q 'OUT_DIR\|build-dependencies' "$PREGENERATED/src/lib.rs" "$PREGENERATED/Cargo.toml"; then
    echo "the copy without the build step still refers to it" >&2
    exit 1
  fi
}

for round in $(seq 1 "$ROUNDS"); do
  rm -rf "$BUILD_DIR/full" "$BUILD_DIR/without"
  with=$(CARGO_TARGET_DIR=$BUILD_DIR/full seconds cargo build --offline -p uumit-api --timings)
  [ -d "$PREGENERATED" ] || make_pregenerated
  without=$(cd "$PREGENERATED" && CARGO_TARGET_DIR=$BUILD_DIR/without seconds cargo build --offline -p uumit-api)
  echo "$without $with" >>"$OUT/rounds"
  echo "round $round: without the build step $without s, with it (build dependencies + build script) $with s"
done
python3 - "$OUT/rounds" <<'EOF'
import statistics, sys
rounds = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
def summary(values):
    return f"median {statistics.median(values):.1f} s ({min(values):.1f}-{max(values):.1f})"
print("clean build without the build step:", summary([w for w, _ in rounds]))
print("clean build with it:", summary([f for _, f in rounds]))
print("added per round:", summary([f - w for w, f in rounds]))
EOF
cp "$BUILD_DIR"/full/cargo-timings/cargo-timing.html "$OUT/"
python3 bench/timings_summary.py "$OUT/cargo-timing.html"
echo "no-op rebuild of uumit-api: $(CARGO_TARGET_DIR=$BUILD_DIR/full seconds cargo build --offline -p uumit-api) s"
touch openapi.json
echo "rebuild of uumit-api after openapi.json changes (touched): $(CARGO_TARGET_DIR=$BUILD_DIR/full seconds cargo build --offline -p uumit-api) s"
python3 - <<'EOF'
import json
with open("openapi.json") as f:
    spec = json.load(f)
operation = spec["paths"]["/api/v1/public/community-stats"]["get"]
operation["description"] = operation.get("description", "") + " (edited to time a rebuild)"
with open("openapi.json", "w") as f:
    json.dump(spec, f, indent=2, ensure_ascii=False)
    f.write("\n")
EOF
echo "rebuild of uumit-api after a real spec edit (one description): $(CARGO_TARGET_DIR=$BUILD_DIR/full seconds cargo build --offline -p uumit-api) s"
restore_spec
trap - EXIT
rm -rf "$BUILD_DIR"
