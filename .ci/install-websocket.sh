#!/usr/bin/env bash
# Test needs of crates/netscene-websocket: an independent WebSocket client (Python `websockets`)
# and a real browser (Debian `chromium`, run headless) for the interop tests. Idempotent.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends chromium
fi

if ! python3 -c 'import websockets' >/dev/null 2>&1; then
    # The image's python3 may be a pyenv build (plain pip works) or Debian's (PEP 668 wants
    # --break-system-packages); Debian's own package is the last resort.
    python3 -m pip install --quiet 'websockets>=12' \
        || python3 -m pip install --quiet --break-system-packages 'websockets>=12' \
        || { apt-get update && apt-get install -y --no-install-recommends python3-websockets; }
fi

python3 -c 'import websockets; print("python websockets", websockets.__version__)'
chromium --version
