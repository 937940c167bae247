#!/usr/bin/env bash
# Benchmarks dance serve and dance probe on loopback, against the signed
# zone of the test bed (tests/testbed), which this script starts itself:
#   1. dance serve handshakes per second with DANE client authentication
#      (TLSA answer cached) against the same server when the client sends
#      no dane_clientid (plain mutual TLS: same keys, same OpenSSL, same
#      threads, no lookup and no match), and against openssl s_server
#      -verify 1 (single-threaded, so measured with one client thread);
#   2. dance probe wall time against openssl s_client, same handshake;
#   3. 1,000 concurrent misbehaving connections (silent, truncated record,
#      random bytes) plus malformed dane_clientid clients, while a well-
#      behaved DANE client keeps connecting: its success count and
#      latency, and the server's peak RSS.
#
# Usage: bench/tls.sh   (DANCE_BUILD overrides build/; SECONDS_PER_RUN)
set -euo pipefail
cd "$(dirname "$0")/.."
source_root=$PWD

if [ -z "${DANCE_TESTBED_DIR:-}" ]; then
    exec tests/testbed/with-testbed.sh "$0" "$@"
fi

build=${DANCE_BUILD:-$source_root/build}
dance=$build/tools/dance
malformed_client=$build/tests/integration/malformed_client
duration=${SECONDS_PER_RUN:-10}
work=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

echo "dance: $dance ($("$dance" --version)), $(openssl version)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

c++ -std=c++20 -O2 -I"$source_root/lib" "$source_root/bench/tls_load.cpp" \
    -L"$build/lib" -ldance -Wl,-rpath,"$build/lib" -lpthread \
    -o "$work/tls_load"

free_port() {
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_listen() {
    local i
    for i in $(seq 100); do
        ss -Hltn "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    echo "nothing listens on $1" >&2
    return 1
}

# start_serve LOG ARGS...: dance serve on a free port; sets port and pid.
start_serve() {
    local log=$1
    shift
    port=$(free_port)
    "$dance" serve --listen "127.0.0.1:$port" --cert "$DANCE_SERVER_CERT" \
        --key "$DANCE_SERVER_KEY" --resolver "$DANCE_RESOLVER_UPSTREAM" \
        --trust-anchor "$DANCE_TA_ROOT_DS" "$@" 2>"$log" &
    pid=$!
    pids+=("$pid")
    wait_listen "$port"
}

name=_smtp-client.device1.$DANCE_ZONE
client=("$DANCE_CLIENT_CERT" "$DANCE_CLIENT_KEY")

# ---- 1. handshakes per second -------------------------------------------

echo
echo "== 1. handshakes per second, ${duration} s per run, ECDSA P-256 both sides"
start_serve "$work/serve1.log"
"$work/tls_load" "$port" 1 1 "${client[@]}" "$name" >/dev/null # fill cache
for threads in 1 4; do
    echo "threads=$threads dance serve, DANE (cached TLSA):"
    "$work/tls_load" "$port" "$threads" "$duration" "${client[@]}" "$name"
    echo "threads=$threads dance serve, no dane_clientid (plain mTLS):"
    "$work/tls_load" "$port" "$threads" "$duration" "${client[@]}"
done
grep -c 'cached=yes' "$work/serve1.log" | sed 's/^/cached lookups logged: /'

s_port=$(free_port)
openssl s_server -accept "127.0.0.1:$s_port" -cert "$DANCE_SERVER_CERT" \
    -key "$DANCE_SERVER_KEY" -tls1_3 -verify 1 -quiet -num_tickets 0 \
    >/dev/null 2>&1 &
pids+=("$!")
wait_listen "$s_port"
echo "threads=1 openssl s_server -verify 1 (plain mTLS):"
"$work/tls_load" "$s_port" 1 "$duration" "${client[@]}"

# ---- 2. dance probe against openssl s_client ----------------------------

echo
echo "== 2. one handshake, whole process (hyperfine)"
hyperfine -N --warmup 5 --runs 100 --export-markdown "$work/probe.md" \
    "$dance probe 127.0.0.1:$port --cert ${client[0]} --key ${client[1]} --name $name --verdict-wait 1" \
    "openssl s_client -connect 127.0.0.1:$port -tls1_3 -cert ${client[0]} -key ${client[1]} -no_ign_eof" \
    </dev/null
cat "$work/probe.md"

# ---- 3. 1,000 concurrent misbehaving connections ------------------------

echo
echo "== 3. 1,000 stalled or garbage connections + 50 malformed clients"
ulimit -n 8192
start_serve "$work/serve3.log" --max-connections 1100 \
    --handshake-timeout 5 --timeout 2
"$work/tls_load" "$port" 1 1 "${client[@]}" "$name" >/dev/null
python3 bench/tls_flood.py "$port" 1000 8 >"$work/flood.json" &
flood=$!
sleep 1
malformed_pids=()
for i in $(seq 50); do
    mode=$(echo zero-length bad-length trailing-bytes empty trailing-dot |
        cut -d' ' -f$((i % 5 + 1)))
    "$malformed_client" "$port" "$mode" "${client[@]}" any \
        >/dev/null 2>&1 &
    malformed_pids+=("$!")
done
echo "well-behaved DANE client, 2 threads, during the flood:"
"$work/tls_load" "$port" 2 5 "${client[@]}" "$name"
wait "$flood"
echo "flood: $(cat "$work/flood.json")"
for malformed in "${malformed_pids[@]}"; do wait "$malformed" || true; done
echo "dance serve still running: $(kill -0 "$pid" 2>/dev/null && echo yes || echo no)"
grep -E 'VmHWM|Threads' "/proc/$pid/status"
echo "log verdicts:"
grep -o 'reason=[a-z_-]*' "$work/serve3.log" | sort | uniq -c
