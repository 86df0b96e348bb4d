#!/usr/bin/env bash
# The README's test command. Installs what the tests need, then runs every test:
#
#   1. each scripts/install-*.sh, in name order. They are idempotent (a need already met is
#      skipped) and install Debian packages as root or through sudo: C ENet and pkg-config for
#      the C ENet interop tests, python3-websockets and chromium for the WebSocket interop
#      tests, the pinned Godot 4.6 web template for the real-Godot suite, a C++ compiler for
#      the fuzz targets;
#   2. cargo test --workspace --all-features (extra arguments are passed on, e.g.
#      ./test.sh -- --nocapture).
#
# A test whose tool is missing fails and names the command that installs it; none is skipped.
set -euo pipefail
cd "$(dirname "$0")"

for script in scripts/install-*.sh; do
    echo "== $script"
    bash "$script"
done

echo "== cargo test --workspace --all-features $*"
exec cargo test --workspace --all-features "$@"
