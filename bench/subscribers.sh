#!/usr/bin/env bash
# The emulator holding 1,000 and then 10,000 open agent-runtime streams: RSS and idle CPU.
# Raises the file-descriptor limit first, since each stream is a socket on both sides.
#
# Usage: bench/subscribers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt 10100 ] || { echo "the file-descriptor limit $(ulimit -n) is too low for 10,000 streams" >&2; exit 1; }
cargo build --release -q -p uumit-mock --bin uumit-mock
cargo bench -q -p uumit --bench subscribers
