#!/usr/bin/env bash
# Second command of the README: runs every test suite.
#   1. unit, fuzz-corpus replay and integration tests in build/
#   2. unit tests and fuzz replay again under AddressSanitizer and
#      UndefinedBehaviorSanitizer in build-sanitize/
# Ends with one "N passed, N failed" line over both runs.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -f build/build.ninja ]; then
    scripts/install-deps.sh || exit 1
    meson setup build || exit 1
fi
ninja -C build || exit 1

status=0
meson test -C build --print-errorlogs --num-processes 2 || status=1

logs=(build/meson-logs/testlog.json)
if [ ! -f build-sanitize/build.ninja ]; then
    meson setup build-sanitize -Db_sanitize=address,undefined \
        -Db_lundef=false -Dintegration=false || status=1
fi
if ninja -C build-sanitize; then
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        meson test -C build-sanitize --print-errorlogs --num-processes 2 \
        --suite unit --suite fuzz || status=1
    logs+=(build-sanitize/meson-logs/testlog.json)
else
    echo "test.sh: the sanitizer build failed" >&2
    status=1
fi

python3 scripts/test-summary.py "${logs[@]}" || status=1
exit $status
