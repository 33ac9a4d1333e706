#!/usr/bin/env bash
# Our Rust MCP client (the mcp_peer example of the uumit crate) against an MCP server
# built with the Python `mcp` package, over HTTP+SSE and over streamable HTTP.
set -euo pipefail

: "${PEERS_PYTHON:?run through cargo xtask test, which sets PEERS_PYTHON}"

workdir=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT

"$PEERS_PYTHON" tests/peers/mcp_python_server.py >"$workdir/urls" 2>"$workdir/server.log" &
server_pid=$!

for _ in $(seq 1 300); do
    if grep -q '^HTTP_URL=' "$workdir/urls"; then
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "mcp_python_server: the Python server exited:" >&2
        cat "$workdir/server.log" >&2
        exit 1
    fi
    sleep 0.1
done
MCP_PEER_SSE_URL=$(sed -n 's/^SSE_URL=//p' "$workdir/urls")
MCP_PEER_HTTP_URL=$(sed -n 's/^HTTP_URL=//p' "$workdir/urls")
if [[ -z "$MCP_PEER_SSE_URL" || -z "$MCP_PEER_HTTP_URL" ]]; then
    echo "mcp_python_server: the Python server printed no URLs within 30 s" >&2
    cat "$workdir/server.log" >&2
    exit 1
fi
export MCP_PEER_SSE_URL MCP_PEER_HTTP_URL

output=$(cargo run --locked --quiet -p uumit --example mcp_peer)
echo "$output"
# The example prints "N passed, 0 failed" only after its last check.
grep -Eq '^mcp_peer: [1-9][0-9]* passed, 0 failed$' <<<"$output"
