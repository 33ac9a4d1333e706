#!/usr/bin/env bash
# Runs the Python guide's A2A and SSE examples (a2a_rpc, subscribe_task,
# stream_ai_create) with httpx against the emulator in UUMIT_BASE_URL.
set -euo pipefail
"${PEERS_PYTHON:-python3}" "$(dirname "$0")/python_guide_a2a.py"
