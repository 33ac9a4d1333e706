#!/usr/bin/env bash
# Soak: the release emulator under mixed load (bench/soak.lua: reads, paged lists and
# idempotent transaction creations) for DURATION seconds (default 600), with its RSS
# sampled every 10 s. Fails when wrk reports any error or non-2xx response.
# Not part of CI.
#
# Usage: bench/soak.sh   (DURATION=120 bench/soak.sh for a short run; KEYS sets the
#                         size of the Idempotency-Key pool, default 1000; KEYS=0
#                         sends a new key with every creation; STREAMS keeps that
#                         many idle agent-runtime streams of the buyer open)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-600}
export KEYS=${KEYS:-1000}
STREAMS=${STREAMS:-0}
OUT=target/bench-results/soak
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --release -q -p uumit-mock --bin uumit-mock
taskset -c 1 target/release/uumit-mock --port 18281 >"$OUT/emulator.out" 2>/dev/null &
MOCK_PID=$!
STREAM_PIDS=()
trap 'kill "${STREAM_PIDS[@]}" $MOCK_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 500); do (exec 3<>/dev/tcp/127.0.0.1/18281) 2>/dev/null && break; sleep 0.01; done
BASE=http://127.0.0.1:18281
export UUMIT_API_KEY=$(sed -n 's/^export UUMIT_API_KEY=//p' "$OUT/emulator.out")
export UUMIT_USER_ID=$(sed -n 's/^export UUMIT_USER_ID=//p' "$OUT/emulator.out")
# A capability another agent sells, for the demo user to buy.
export SOAK_CAPABILITY=$(curl -fsS -H "X-Api-Key: $UUMIT_API_KEY" -H "X-Platform-User-Id: $UUMIT_USER_ID" \
  "$BASE/api/v1/capabilities?page=1&page_size=50" |
  python3 -c "import json,os,sys; d=json.load(sys.stdin)['data']['items']; print(next(c['id'] for c in d if c['agent_id'] != os.environ['UUMIT_USER_ID']))")

for _ in $(seq 1 "$STREAMS"); do
  curl -sN -H "X-Api-Key: $UUMIT_API_KEY" -H "X-Platform-User-Id: $UUMIT_USER_ID" \
    "$BASE/api/v1/agent-runtime/connect" >/dev/null &
  STREAM_PIDS+=($!)
done
[ "$STREAMS" -gt 0 ] && sleep 0.5

rss() { awk '/VmRSS/ {print $2}' "/proc/$MOCK_PID/status"; }
echo "elapsed_s rss_kib" >"$OUT/rss"
echo "0 $(rss)" >>"$OUT/rss"
(
  for t in $(seq 10 10 "$DURATION"); do sleep 10; echo "$t $(rss)" >>"$OUT/rss"; done
) &
SAMPLER=$!
taskset -c 0 wrk -t1 -c32 -d"${DURATION}s" --latency -s bench/soak.lua "$BASE" | tee "$OUT/wrk.log"
wait $SAMPLER || true
cat "$OUT/rss"
python3 - "$OUT" <<'PY'
import sys
from pathlib import Path
out = Path(sys.argv[1])
rows = [tuple(map(int, l.split())) for l in (out / "rss").read_text().splitlines()[1:]]
values = [r for _, r in rows]
after = values[1:] or values
print(f"RSS KiB: start {values[0]}, first sample under load {after[0]}, last {values[-1]}, peak {max(values)}; growth from the first loaded sample to the last {values[-1] - after[0]} KiB")
PY
log=$(cat "$OUT/wrk.log")
if grep -q -E "Non-2xx|Socket errors" <<<"$log"; then echo "soak FAILED: wrk reported errors" >&2; exit 1; fi
echo "soak passed: no errors"
