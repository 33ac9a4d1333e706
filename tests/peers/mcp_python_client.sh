#!/usr/bin/env bash
# The Python `mcp` package's SSE client (sse_client + ClientSession) against the
# emulator's MCP server at $UUMIT_BASE_URL/mcp/sse.
set -euo pipefail

: "${PEERS_PYTHON:?run through cargo xtask test, which sets PEERS_PYTHON}"
: "${UUMIT_BASE_URL:?UUMIT_BASE_URL is not set}"

output=$("$PEERS_PYTHON" tests/peers/mcp_python_client.py)
echo "$output"
# The script prints "N passed, 0 failed" only after its last check.
grep -Eq '^mcp_python_client: [1-9][0-9]* passed, 0 failed$' <<<"$output"
