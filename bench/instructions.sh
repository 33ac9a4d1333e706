#!/usr/bin/env bash
# Instructions per call of the facade, of bare reqwest + serde, and of the facade reading a
# page of 20, counted by callgrind: exact where timing is noisy.
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
for client in bare facade page; do
  low=$(count "$client" "$LOW")
  high=$(count "$client" "$HIGH")
  PER_CALL[$client]=$(((high - low) / (HIGH - LOW)))
  echo "$client: ${PER_CALL[$client]} instructions per call ($low at $LOW calls, $high at $HIGH)"
done
python3 -c "import sys; f, b = int(sys.argv[1]), int(sys.argv[2]); print(f'facade/bare: {f / b:.3f} ({f - b} more per call)')" \
  "${PER_CALL[facade]}" "${PER_CALL[bare]}"
echo "callgrind outputs: $OUT (read them with callgrind_annotate)"
