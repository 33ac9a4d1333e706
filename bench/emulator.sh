#!/usr/bin/env bash
# Measures the emulator's start time and its requests per second with wrk, the server
# pinned to CPU 0 and the client to CPU 1 so they do not compete for a core.
#
# Usage: bench/emulator.sh [seconds per run, default 10]
# Needs: wrk (Debian package `wrk`), taskset, python3, and a release build:
#   cargo build --release -p uumit-mock --bin uumit-mock
set -euo pipefail

seconds="${1:-10}"
binary="target/release/uumit-mock"
[ -x "$binary" ] || { echo "build $binary first: cargo build --release -p uumit-mock" >&2; exit 1; }

# Start time: from spawning the process to its last `export` line, five runs.
python3 - "$binary" <<'PY'
import subprocess, sys, time

times = []
for _ in range(5):
    started = time.perf_counter()
    child = subprocess.Popen(
        ["taskset", "-c", "0", sys.argv[1], "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    for line in child.stdout:
        if line.startswith("export UUMIT_USER_ID="):
            break
    times.append((time.perf_counter() - started) * 1000)
    child.kill()
    child.wait()
print("start to ready (ms), 5 runs: " + ", ".join(f"{t:.1f}" for t in times))
PY

output="$(mktemp)"
taskset -c 0 "$binary" --port 0 >"$output" 2>/dev/null &
server=$!
trap 'kill "$server" 2>/dev/null; rm -f "$output"' EXIT
until grep -q '^export UUMIT_USER_ID=' "$output"; do sleep 0.05; done
base_url="$(sed -n 's/^export UUMIT_BASE_URL=//p' "$output")"
api_key="$(sed -n 's/^export UUMIT_API_KEY=//p' "$output")"
user_id="$(sed -n 's/^export UUMIT_USER_ID=//p' "$output")"

for path in /api/v1/public/community-stats /api/v1/wallet "/api/v1/capabilities?page_size=20"; do
  echo "== GET $path"
  taskset -c 1 wrk -t1 -c32 -d"${seconds}s" \
    -H "X-Api-Key: $api_key" -H "X-Platform-User-Id: $user_id" \
    "$base_url$path" | grep -E "Requests/sec|Latency|requests in"
done
