#!/usr/bin/env bash
# Emulator throughput and latency under load against Prism (mock mode, same openapi.json)
# and a fixed-body axum handler, plus the startup time of the emulator and of Prism.
#
# The fixed handler is the ceiling. For each operation it serves, as a constant, the reply
# the emulator sends for it, fetched once before the load. Both servers then send the same
# bytes, and only the work of making the reply differs.
#
# Every server is pinned to CPU 1 and wrk to CPU 0; the servers take turns in rounds
# (ROUNDS, default 5) of DURATION seconds (default 10) at 32 connections, and the report
# gives the median requests per second of each and the median of the per-round ratios.
#
# Usage: bench/emulator-load.sh   (needs wrk; installs Prism under target/bench-npm)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
STARTS=${STARTS:-5}
OUT=target/bench-results/emulator-load
mkdir -p "$OUT" target/bench-npm
PRISM=target/bench-npm/node_modules/.bin/prism
[ -x "$PRISM" ] || npm install --prefix target/bench-npm --no-audit --no-fund @stoplight/prism-cli >/dev/null
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --release -q -p uumit-mock --bin uumit-mock --example fixed_envelope
MOCK=target/release/uumit-mock
FIXED=target/release/examples/fixed_envelope
EMU_PORT=18181 PRISM_PORT=18182 FIXED_STATS_PORT=18183 FIXED_PAGE_PORT=18184
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# Prints the milliseconds from now until 127.0.0.1:$1 accepts a connection.
wait_for_port() {
  local port=$1 start now
  start=$(date +%s%N)
  for _ in $(seq 1 6000); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      now=$(date +%s%N); echo $(((now - start) / 1000000)); return 0
    fi
    sleep 0.005
  done
  echo "port $port never opened" >&2; return 1
}

start_emulator() { taskset -c 1 "$MOCK" --port "$1" >"$OUT/emulator.out" 2>/dev/null & PIDS+=($!); }
start_prism() { taskset -c 1 "$PRISM" mock -h 127.0.0.1 -p "$1" -v warn openapi.json >"$OUT/prism.out" 2>&1 & PIDS+=($!); }
start_fixed() { taskset -c 1 "$FIXED" "$1" "$2" >/dev/null & PIDS+=($!); }

echo "== startup: time until the port accepts, $STARTS starts each"
for name in emulator prism; do
  : >"$OUT/startup-$name"
  for _ in $(seq 1 "$STARTS"); do
    "start_$name" 18190
    wait_for_port 18190 >>"$OUT/startup-$name"
    kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true; unset 'PIDS[-1]'
    sleep 0.3
  done
done

start_emulator $EMU_PORT; wait_for_port $EMU_PORT >/dev/null
start_prism $PRISM_PORT; wait_for_port $PRISM_PORT >/dev/null
sleep 0.5
API_KEY=$(sed -n 's/^export UUMIT_API_KEY=//p' "$OUT/emulator.out")
USER_ID=$(sed -n 's/^export UUMIT_USER_ID=//p' "$OUT/emulator.out")
STATS=/api/v1/public/community-stats
PAGE="/api/v1/capabilities?page=1&page_size=20"
for op in stats page; do
  path=$STATS; [ $op = page ] && path=$PAGE
  curl -fsS -o "$OUT/reply-$op.json" -H "X-Api-Key: $API_KEY" -H "X-Platform-User-Id: $USER_ID" \
    "http://127.0.0.1:$EMU_PORT$path"
  echo "== the $op reply the emulator sends and the fixed handler serves: $(wc -c <"$OUT/reply-$op.json") bytes"
done
start_fixed $FIXED_STATS_PORT "$OUT/reply-stats.json"; wait_for_port $FIXED_STATS_PORT >/dev/null
start_fixed $FIXED_PAGE_PORT "$OUT/reply-page.json"; wait_for_port $FIXED_PAGE_PORT >/dev/null
for port in $EMU_PORT $PRISM_PORT $FIXED_PAGE_PORT; do
  curl -fsS -o /dev/null -H "X-Api-Key: $API_KEY" -H "X-Platform-User-Id: $USER_ID" "http://127.0.0.1:$port$PAGE" \
    || echo "warning: the paged operation fails on port $port" >&2
done

# Runs wrk once and prints "req/s p50_ms p99_ms non2xx errors".
load() {
  local port=$1 path=$2 report
  report=$(taskset -c 0 wrk -t1 -c32 -d"${DURATION}s" --latency \
    -H "X-Api-Key: $API_KEY" -H "X-Platform-User-Id: $USER_ID" "http://127.0.0.1:$port$path")
  echo "$report" >>"$OUT/wrk.log"
  python3 bench/wrk_fields.py <<<"$report"
}

: >"$OUT/wrk.log"; : >"$OUT/rounds"
echo "== load: $ROUNDS rounds of ${DURATION}s per server and operation, 32 connections"
for round in $(seq 1 "$ROUNDS"); do
  for op in stats page; do
    path=$STATS fixed_port=$FIXED_STATS_PORT
    [ $op = page ] && path=$PAGE fixed_port=$FIXED_PAGE_PORT
    for server in emulator prism fixed; do
      case $server in emulator) port=$EMU_PORT;; prism) port=$PRISM_PORT;; fixed) port=$fixed_port;; esac
      echo "$round $op $server $(load $port "$path")" | tee -a "$OUT/rounds"
    done
  done
done
echo "== emulator RSS after the load: $(awk '/VmRSS/ {print $2, $3}' "/proc/${PIDS[0]}/status")"
python3 bench/load_summary.py "$OUT"
