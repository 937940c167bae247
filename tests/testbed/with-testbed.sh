#!/usr/bin/env bash
# Runs COMMAND ARGS... with a fresh test bed: starts one in a new temporary
# directory, exports the variables of its testbed.env, runs the command and
# stops the servers however the command ends. Exits with the command's
# status.
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
testbed=$(cd "$(dirname "$0")" && pwd)/testbed.sh
dir=$(mktemp -d "${TMPDIR:-/tmp}/dance-testbed.XXXXXX")

cleanup() {
    "$testbed" stop "$dir" || true
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$testbed" start "$dir"
set -a
# shellcheck disable=SC1091
. "$dir/testbed.env"
set +a
status=0
"$@" || status=$?
exit "$status"
