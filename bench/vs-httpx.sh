#!/usr/bin/env bash
# Client CPU per request of this SDK against httpx (the platform's Python guide's client),
# with sniffio installed beside it. Makes the venv under target/bench-venv on first use,
# builds the release emulator and runs `cargo bench -p uumit --bench vs_httpx`.
#
# Usage: bench/vs-httpx.sh   (BENCH_ROUNDS sets the number of paired rounds, default 11)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/bench-venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q httpx sniffio
fi
"$VENV/bin/python" -c "import httpx, sniffio; print('httpx', httpx.__version__, '+ sniffio', sniffio.__version__)"
cargo build --release -q -p uumit-mock --bin uumit-mock
BENCH_PYTHON="$PWD/$VENV/bin/python" cargo bench -q -p uumit --bench vs_httpx
