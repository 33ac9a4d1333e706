#!/usr/bin/env bash
# Runs every figure of BENCHMARKS.md in one go on a quiet machine and keeps the output,
# with the machine's description, in target/bench-results/all.log. About 20 minutes;
# SOAK_DURATION (default 600) shortens the soak.
#
# Usage: bench/run-all.sh
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/bench-results
LOG=target/bench-results/all.log
{
  echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
  nproc; lscpu | head -20; free -g; uptime
  cargo build --release -q -p uumit-mock --bin uumit-mock --example fixed_envelope
  cargo bench -q -p uumit --no-run 2>/dev/null
  for bench in overhead sse_decode memory scale; do
    echo "== figure: cargo bench -p uumit --bench $bench"
    cargo bench -q -p uumit --bench "$bench"
  done
  echo "== figure: bench/subscribers.sh"; bench/subscribers.sh
  echo "== figure: bench/instructions.sh"; bench/instructions.sh
  echo "== figure: bench/vs-httpx.sh"; bench/vs-httpx.sh
  echo "== figure: bench/emulator-load.sh"; bench/emulator-load.sh
  echo "== figure: bench/soak.sh"; DURATION=${SOAK_DURATION:-600} bench/soak.sh
  echo "== figure: bench/build-cost.sh"; bench/build-cost.sh
  uptime
} 2>&1 | tee "$LOG"
