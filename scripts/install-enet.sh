#!/usr/bin/env bash
# Installs C ENet (Debian's libenet-dev), zlib (zlib1g-dev), zstd (libzstd-dev) and pkg-config
# for netscene-enet's interop tests and benchmark, which build a small C ENet program that can
# compress as Godot's COMPRESS_ZLIB and COMPRESS_ZSTD do. Idempotent and non-interactive; runs
# as root or through sudo.
set -euo pipefail

if pkg-config --exists libenet zlib libzstd 2>/dev/null; then
    echo "libenet-dev, zlib1g-dev, libzstd-dev and pkg-config already installed"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends libenet-dev zlib1g-dev libzstd-dev pkg-config
