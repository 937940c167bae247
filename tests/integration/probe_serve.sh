#!/usr/bin/env bash
# dance probe against dance serve, and dance serve against stock TLS
# clients and a client that sends malformed extensions, over loopback
# with the signed test zone. Runs inside tests/testbed/with-testbed.sh.
#
#   probe_serve.sh MALFORMED_CLIENT
set -uo pipefail
malformed_client=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tls_lib.sh"
trap stop_all_servers EXIT

work=$(mktemp -d "${TMPDIR:-/tmp}/dance-probe-serve.XXXXXX")
trap 'stop_all_servers; rm -rf "$work"' EXIT
zone=$DANCE_ZONE
resolver_args=(--resolver "$DANCE_RESOLVER_UPSTREAM"
    --trust-anchor "$DANCE_TA_ROOT_DS" --timeout 3)
client=(--cert "$DANCE_CLIENT_CERT" --key "$DANCE_CLIENT_KEY")

# serve NAME ARGS...: starts dance serve on a free port, sets port_NAME.
serve() {
    local name=$1
    shift
    local port
    port=$(free_port)
    start_server "$work/$name.log" "$DANCE_BIN" serve \
        --listen "127.0.0.1:$port" --cert "$DANCE_SERVER_CERT" \
        --key "$DANCE_SERVER_KEY" "${resolver_args[@]}" "$@"
    wait_for_text "$work/$name.log" "listening" ||
        { fail "$name: dance serve did not start"; cat "$work/$name.log"; }
    printf -v "port_$name" '%s' "$port"
}

# probe CASE PORT EXPECTED-EXIT ARGS...: output in $work/CASE.out
probe() {
    local case=$1 port=$2 expected=$3
    shift 3
    "$DANCE_BIN" probe "127.0.0.1:$port" --timeout 10 "$@" \
        >"$work/$case.out" 2>&1
    expect_exit "$case" "$expected" $?
}

serve strict --echo --allow "$zone"
serve lenient --echo --allow "$zone" --on-failure unauthenticated
serve required --echo --require-dane --log-json

# --- each verdict class reaches the client ---------------------------

probe accepted "$port_strict" 0 "${client[@]}" \
    --name "_smtp-client.device1.$zone"
expect_text accepted "$work/accepted.out" \
    "dance-verdict: authenticated reason=secure-match"
expect_text accepted "$work/accepted.out" \
    "certificate request: with dane_clientid, extension_data 00"

probe mismatch "$port_strict" 1 "${client[@]}" \
    --name "_smtp-client.wrongkey.$zone"
expect_text mismatch "$work/mismatch.out" "alert handshake_failure (40)"
expect_log mismatch-log "$work/strict.log" \
    "client_name=_smtp-client.wrongkey.$zone verdict=rejected reason=no-match"

probe bogus "$port_strict" 1 "${client[@]}" \
    --name "_smtp-client.tampered.$zone"
expect_text bogus "$work/bogus.out" "alert handshake_failure (40)"
expect_log bogus-log "$work/strict.log" \
    "client_name=_smtp-client.tampered.$zone verdict=rejected reason=bogus"

probe nxdomain "$port_strict" 1 "${client[@]}" \
    --name "_smtp-client.nosuch.$zone"
expect_text nxdomain "$work/nxdomain.out" "alert handshake_failure (40)"
expect_log nxdomain-log "$work/strict.log" \
    "client_name=_smtp-client.nosuch.$zone verdict=rejected reason=nxdomain"

# The allowlist is checked before any lookup: no lookup time is spent.
probe not-allowed "$port_strict" 1 "${client[@]}" --name device1.example
expect_text not-allowed "$work/not-allowed.out" \
    "alert handshake_failure (40)"
expect_log not-allowed-log "$work/strict.log" \
    "client_name=device1.example verdict=rejected reason=not-allowed alert_sent=handshake_failure handshake_ms=[0-9.]* lookup_ms=0 "

probe unauthenticated "$port_lenient" 0 "${client[@]}" \
    --name "_smtp-client.wrongkey.$zone"
expect_text unauthenticated "$work/unauthenticated.out" \
    "dance-verdict: unauthenticated reason=no-match"

probe cached "$port_strict" 0 "${client[@]}" \
    --name "_smtp-client.device1.$zone"
expect_log cached-log "$work/strict.log" \
    "client_name=_smtp-client.device1.$zone verdict=authenticated reason=secure-match .* cached=yes"

# --- the server checked against its own TLSA records -------------------

dane_check=(--dane-check-server --sni "server.$zone"
    --resolver "$DANCE_RESOLVER_UPSTREAM" --trust-anchor "$DANCE_TA_ROOT_DS")
probe server-dane "$port_strict" 0 "${client[@]}" \
    --name "_smtp-client.device1.$zone" "${dane_check[@]}" --tlsa-port 443
expect_text server-dane "$work/server-dane.out" \
    "server DANE check at _443._tcp.server.$zone.: authenticated (secure-match"

probe server-dane-missing "$port_strict" 1 "${client[@]}" \
    --name "_smtp-client.device1.$zone" "${dane_check[@]}" --tlsa-port 444
expect_text server-dane-missing "$work/server-dane-missing.out" \
    "server DANE check at _444._tcp.server.$zone.: not authenticated (nxdomain"

# --- JSON report: the bytes of the extension that was sent ------------

"$DANCE_BIN" probe "127.0.0.1:$port_strict" --json "${client[@]}" \
    --name "device1.$zone" >"$work/json.out"
expect_exit json 0 $?
python3 - "$work/json.out" "device1.$zone" <<'PY' ||
import json, sys
report = json.load(open(sys.argv[1]))
name = sys.argv[2].encode()
expected = (bytes([len(name)]) + name).hex()
assert report["outcome"] == "accepted", report["outcome"]
assert report["server_supports_dance"] is True
assert report["certificate_request"]["dane_clientid_data"] == "00"
assert report["dane_clientid_sent_data"] == expected, report
assert report["tls_version"] == "TLSv1.3"
assert report["alert"] is None
PY
    fail "json: report fields"

# --- clients without the extension, under --require-dane ---------------

probe no-clientid "$port_required" 1 "${client[@]}" --no-clientid
expect_text no-clientid "$work/no-clientid.out" "alert handshake_failure (40)"
expect_log no-clientid-log "$work/required.log" '"reason":"no-clientid"'

# An empty certificate list can only draw certificate_required.
probe no-certificate "$port_required" 1 --name "device1.$zone"
expect_text no-certificate "$work/no-certificate.out" \
    "alert certificate_required (116)"

# --- stock clients: they ignore the request extension ------------------

(sleep 2) | timeout 15 openssl s_client -connect "127.0.0.1:$port_strict" \
    -tls1_3 -cert "$DANCE_CLIENT_CERT" -key "$DANCE_CLIENT_KEY" \
    >"$work/s_client.out" 2>&1
expect_text s_client "$work/s_client.out" \
    "dance-verdict: unauthenticated reason=no-clientid"

(sleep 2) | timeout 15 openssl s_client -connect "127.0.0.1:$port_required" \
    -tls1_3 -cert "$DANCE_CLIENT_CERT" -key "$DANCE_CLIENT_KEY" \
    >"$work/s_client-required.out" 2>&1
expect_text s_client-required "$work/s_client-required.out" \
    "SSL alert number 40"

gnutls=(gnutls-cli --priority NORMAL:-VERS-ALL:+VERS-TLS1.3 --insecure
    --x509certfile "$DANCE_CLIENT_CERT" --x509keyfile "$DANCE_CLIENT_KEY")
(sleep 2) | timeout 15 "${gnutls[@]}" -p "$port_strict" 127.0.0.1 \
    >"$work/gnutls.out" 2>&1
expect_text gnutls-cli "$work/gnutls.out" \
    "dance-verdict: unauthenticated reason=no-clientid"

(sleep 2) | timeout 15 "${gnutls[@]}" -p "$port_required" 127.0.0.1 \
    >"$work/gnutls-required.out" 2>&1
expect_text gnutls-cli-required "$work/gnutls-required.out" \
    "Handshake failed"

# --- malformed extensions from a test client ---------------------------

chain=$work/sensor-chain.pem
cat "$DANCE_SENSOR_CERT" "$DANCE_ORG_CA_CERT" >"$chain"
malformed() { # MODE EXPECTED-ALERT REASON [CERT KEY]
    local cert=${4:-$DANCE_CLIENT_CERT} key=${5:-$DANCE_CLIENT_KEY}
    "$malformed_client" "$port_strict" "$1" "$cert" "$key" "$2" \
        >"$work/malformed-$1.out" 2>&1
    expect_exit "malformed $1 draws alert $2" 0 $?
    expect_log "malformed $1 log" "$work/strict.log" "reason=$3"
}
malformed zero-length 40 clientid-zero_length_name
malformed bad-length 50 clientid-length_mismatch
malformed trailing-bytes 50 clientid-trailing_bytes
malformed empty 50 clientid-empty_extension
malformed trailing-dot 40 clientid-bad_name_syntax
malformed second-entry 40 clientid-not-first-entry \
    "$chain" "$DANCE_SENSOR_KEY"
"$malformed_client" "$port_strict" valid "$DANCE_CLIENT_CERT" \
    "$DANCE_CLIENT_KEY" none >"$work/malformed-valid.out" 2>&1
expect_exit "well-formed extension draws no alert" 0 $?

# --- clean stop ----------------------------------------------------------

stop_server "$server_pid"
expect_log stop "$work/required.log" '"event":"stopped"'
finish
