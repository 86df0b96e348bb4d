#!/usr/bin/env bash
# Installs protoc (Debian's protobuf-compiler), which `--features agones` of netscene-cli needs:
# the agones crate generates its gRPC client from .proto files at build time, and the CLI's
# Agones test generates a fake SDK sidecar from the same files. Idempotent and
# non-interactive; runs as root or through sudo.
set -euo pipefail

if command -v protoc >/dev/null 2>&1; then
    echo "protoc already installed ($(protoc --version))"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends protobuf-compiler
