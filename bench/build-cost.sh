#!/usr/bin/env bash
# Build cost of the code generation: a clean `cargo build -p uumit-api` against a clean
# build of the same runtime dependencies without it, both in fresh target directories
# under /tmp in the same run; then the build script's own run time (from cargo's
# --timings data), a no-op rebuild, and the rebuild after openapi.json changes.
#
# Usage: bench/build-cost.sh   (takes several minutes; BUILD_DIR sets the scratch place)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-/tmp/uumit-build-cost}
OUT=target/bench-results/build-cost
mkdir -p "$OUT"
rm -rf "$BUILD_DIR"
mkdir -p "$BUILD_DIR"

# Prints the seconds a command takes.
seconds() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>>"$OUT/cargo.log"
  end=$(date +%s%N)
  python3 -c "print(f'{($end - $start) / 1e9:.1f}')"
}

: >"$OUT/cargo.log"
cargo fetch -q
# uumit-api's direct runtime dependencies at the versions it uses, as `-p name@version`.
mapfile -t deps < <(cargo tree --offline -p uumit-api -e normal --depth 1 --prefix none |
  tail -n +2 | sort -u | awk '{sub(/^v/, "", $2); print "-p\n" $1 "@" $2}')
echo "runtime dependencies: ${deps[*]}"
echo "clean build of the runtime dependencies only: $(CARGO_TARGET_DIR=$BUILD_DIR/deps seconds cargo build --offline "${deps[@]}") s"
rm -rf "$BUILD_DIR/deps"
echo "clean build of uumit-api (dependencies + build script + generated code): $(CARGO_TARGET_DIR=$BUILD_DIR/full seconds cargo build --offline -p uumit-api --timings) s"
cp "$BUILD_DIR"/full/cargo-timings/cargo-timing.html "$OUT/"
python3 bench/timings_summary.py "$OUT/cargo-timing.html"
echo "no-op rebuild of uumit-api: $(CARGO_TARGET_DIR=$BUILD_DIR/full seconds cargo build --offline -p uumit-api) s"
touch openapi.json
echo "rebuild of uumit-api after openapi.json changes (touched): $(CARGO_TARGET_DIR=$BUILD_DIR/full seconds cargo build --offline -p uumit-api) s"
rm -rf "$BUILD_DIR"
