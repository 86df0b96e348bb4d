#!/usr/bin/env bash
# Installs protoc (Debian's protobuf-compiler) and the well-known .proto files it imports
# (google/protobuf/*.proto, in libprotobuf-dev), which `--features agones` of netscene-cli needs:
# the agones crate generates its gRPC client from .proto files at build time, and the CLI's
# Agones test generates a fake SDK sidecar from the same files. Idempotent and
# non-interactive; runs as root or through sudo.
set -euo pipefail

# protobuf-compiler only recommends libprotobuf-dev, so --no-install-recommends leaves protoc
# without google/protobuf/descriptor.proto (a fresh Debian failed on it); both are checked.
if command -v protoc >/dev/null 2>&1 && [ -f /usr/include/google/protobuf/descriptor.proto ]; then
    echo "protoc already installed ($(protoc --version)), with the well-known .proto files"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends protobuf-compiler libprotobuf-dev
