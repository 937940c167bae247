#!/usr/bin/env bash
# First command of the README: installs what a fresh Debian 12 machine
# lacks, builds dance, and runs it on the bundled example devices.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

if [ ! -f build/build.ninja ]; then
    meson setup build
fi
ninja -C build

echo
echo "== TLSA records (3 1 1) for the example devices in examples/devices/"
build/tools/dance tlsa --batch examples/devices/fleet.txt
