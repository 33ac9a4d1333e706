#!/usr/bin/env bash
# Instructions per call of bare reqwest + serde, of the generated client alone, of the
# facade, and of the facade reading a page of 20, counted by callgrind: exact where timing
# is noisy. CLIENTS picks some of them (default "bare raw facade page").
#
# Each client runs the instructions bench twice, at LOW and HIGH calls (default 1000 and
# 3000), and the report is (instructions at HIGH - instructions at LOW) / (HIGH - LOW),
# which cancels the start-up work. The emulator runs in a child process outside valgrind.
#
# Usage: bench/instructions.sh   (needs valgrind: apt-get install -y valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
LOW=${LOW:-1000}
HIGH=${HIGH:-3000}
OUT=target/bench-results/instructions
mkdir -p "$OUT"
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install -y valgrind" >&2; exit 1; }
cargo build --release -q -p uumit-mock --bin uumit-mock
BENCH=$(cargo bench -q -p uumit --bench instructions --no-run --message-format=json \
  | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "instructions" and m.get("executable"):
        print(m["executable"])')

# Prints the instructions callgrind counted for one run of the bench.
count() {
  local client=$1 calls=$2 file="$OUT/callgrind.$1.$2"
  (cd crates/uumit && BENCH_CLIENT=$client BENCH_CALLS=$calls \
    valgrind --tool=callgrind --callgrind-out-file="$PWD/../../$file" "$BENCH" --bench >/dev/null 2>"$PWD/../../$file.log")
  sed -n 's/^summary: //p' "$file"
}

declare -A PER_CALL
for client in ${CLIENTS:-bare raw facade page}; do
  low=$(count "$client" "$LOW")
  high=$(count "$client" "$HIGH")
  PER_CALL[$client]=$(((high - low) / (HIGH - LOW)))
  echo "$client: ${PER_CALL[$client]} instructions per call ($low at $LOW calls, $high at $HIGH)"
done
for client in raw facade; do
  [ -n "${PER_CALL[$client]:-}" ] && [ -n "${PER_CALL[bare]:-}" ] &&
    python3 -c "import sys; c, b = int(sys.argv[2]), int(sys.argv[3]); print(f'{sys.argv[1]}/bare: {c / b:.3f} ({c - b} more per call)')" \
      "$client" "${PER_CALL[$client]}" "${PER_CALL[bare]}"
done
echo "callgrind outputs: $OUT (read them with callgrind_annotate)"
