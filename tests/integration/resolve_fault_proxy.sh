#!/usr/bin/env bash
# TLSA lookups through tests/testbed/fault_proxy.py, which drops and
# truncates UDP replies and closes or stalls some TCP connections. Run by
# tests/testbed/with-testbed.sh with the path of tlsa_probe as argument.
# Checks that the resolver never crashes, as libgetdns 1.6.0 did over UDP.
# Also checks that no lookup outlasts its timeout by more than 300 ms, that
# lost replies end as timeout or failed outcomes, and that every other
# outcome is the one the name has without faults.
set -euo pipefail

probe=$1
proxy=$(cd "$(dirname "$0")/../testbed" && pwd)/fault_proxy.py
names="$DANCE_NAME_SERVICE $DANCE_NAME_TAMPERED $DANCE_NAME_NXDOMAIN"
timeout_ms=500
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# Prints the count of KEY=N in a tlsa_probe summary line, 0 when absent.
count() {
    echo "$1" | tr ' ' '\n' | awk -F= -v key="$2" '$1 == key { print $2 }' |
        grep . || echo 0
}

# run_case LABEL UPSTREAM-PORT SEED PROBE-ARGS...: starts a proxy with
# the given random seed, runs tlsa_probe through it and checks its summary
# line.
run_case() {
    local label=$1 upstream=$2 seed=$3
    shift 3
    local port pid summary status=0 started ended
    coproc PROXY {
        exec python3 "$proxy" --upstream "$upstream" --seed "$seed" \
            --drop 0.3 --truncate 0.3 --tcp-drop 0.25 --tcp-stall 0.05
    }
    pid=$PROXY_PID
    read -r port <&"${PROXY[0]}"
    started=$(date +%s%N)
    summary=$("$probe" --resolver "127.0.0.1:$port" \
        --trust-anchor "$DANCE_TA_ROOT_DS" --timeout "$timeout_ms" \
        "$@" $names) || status=$?
    ended=$(date +%s%N)
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "$label: exit $status in $(((ended - started) / 1000000)) ms: $summary"

    [ "$status" -eq 0 ] || { fail "$label: tlsa_probe exited with $status"; return; }
    local lookups expected max_ms lost
    lookups=$(count "$summary" lookups)
    expected=$(($(count "$summary" answer/secure) +
        $(count "$summary" answer/bogus) + $(count "$summary" nxdomain/secure) +
        $(count "$summary" failed/indeterminate) +
        $(count "$summary" timeout/indeterminate)))
    [ "$expected" -eq "$lookups" ] ||
        fail "$label: an outcome other than the expected ones: $summary"
    [ "$(count "$summary" error)" -eq 0 ] ||
        fail "$label: a lookup returned a local error"
    lost=$(($(count "$summary" failed/indeterminate) +
        $(count "$summary" timeout/indeterminate)))
    [ "$lost" -gt 0 ] || fail "$label: no lookup met a fault"
    [ "$lost" -lt "$lookups" ] || fail "$label: every lookup failed"
    max_ms=$(count "$summary" max_ms | cut -d. -f1)
    [ "$max_ms" -le $((timeout_ms + 300)) ] ||
        fail "$label: a lookup took $max_ms ms with a $timeout_ms ms timeout"
    # Each name appears a third of the time, so no outcome that belongs to
    # one name may exceed a third.
    local third=$((lookups / 3)) outcome
    for outcome in answer/secure answer/bogus nxdomain/secure; do
        [ "$(count "$summary" "$outcome")" -le "$third" ] ||
            fail "$label: more $outcome outcomes than lookups of its name"
    done
}

run_case "NSD, one at a time" "$DANCE_AUTH_PORT" 7 --repeat 40
run_case "Unbound, one at a time" "$DANCE_RESOLVER_PORT" 7 --repeat 40
# A batch sends all its queries over one TCP connection; with seed 1 the
# proxy closes the first one unanswered. getdns then rests the upstream
# for a moment, and the lookups started meanwhile must be retried.
run_case "NSD, batch of 8" "$DANCE_AUTH_PORT" 1 --repeat 20 --batch 8

[ "$failures" -eq 0 ] || exit 1
echo "all cases passed"
