#!/usr/bin/env bash
# Runs the Python guide's REST examples (community stats, capabilities, an idempotent
# transaction, the cursor feed, the error wrapper, Retry-After) with httpx against the
# emulator in UUMIT_BASE_URL.
set -euo pipefail
"${PEERS_PYTHON:-python3}" "$(dirname "$0")/python_guide_rest.py"
