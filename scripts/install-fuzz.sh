#!/usr/bin/env bash
# Installs a C++ compiler for fuzz/run.sh: libfuzzer-sys builds libFuzzer's C++ sources with the
# system compiler (cargo-fuzz and nightly Rust are not needed). Idempotent and non-interactive;
# runs as root or through sudo.
set -euo pipefail

if command -v c++ >/dev/null 2>&1; then
    echo "a C++ compiler (c++) is already installed"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends g++
