#!/usr/bin/env bash
# Test needs of crates/netscene-websocket: an independent WebSocket client (python3 with the
# `websockets` package) and a real browser (Debian `chromium`, run headless) for the interop
# tests. Idempotent and non-interactive; runs as root or through sudo.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "$@"
}

if ! command -v chromium >/dev/null 2>&1; then
    apt_install chromium
fi

if ! python3 -c 'import websockets' >/dev/null 2>&1; then
    # A python3 with pip (e.g. a pyenv build) gets the package from pip; Debian's own python3
    # (PEP 668 refuses pip there) or no python3 at all gets Debian's python3-websockets.
    if ! { command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1 \
        && python3 -m pip install --quiet 'websockets>=10.4'; }; then
        apt_install python3 python3-websockets
    fi
fi

python3 -c 'import websockets; print("python websockets", websockets.__version__)'
chromium --version
