#!/usr/bin/env bash
# dance verify against the loopback DNSSEC test bed. Run through
# tests/testbed/with-testbed.sh, which exports the DANCE_* variables of
# testbed.env. Each case asserts the exit code and the reason code of the
# --json report, and some a field of it.
set -euo pipefail

dance=${DANCE_BIN:?DANCE_BIN must name the dance binary}
: "${DANCE_RESOLVER_UPSTREAM:?run through tests/testbed/with-testbed.sh}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

resolver=(--resolver "$DANCE_RESOLVER_UPSTREAM"
    --trust-anchor "$DANCE_TA_ROOT_DS" --timeout 5)
checks=0
failures=0

fail() {
    failures=$((failures + 1))
    printf 'FAIL %s: %s\n' "$1" "$2"
}

# verify NAME EXIT-CODE REASON ARGS...: runs dance verify --json and
# leaves the report in $work/out.
verify() {
    local name=$1 code=$2 reason=$3
    shift 3
    checks=$((checks + 1))
    local status=0
    "$dance" verify --json "${resolver[@]}" "$@" >"$work/out" \
        2>"$work/err" || status=$?
    [ "$status" = "$code" ] ||
        fail "$name" "exit code $status, expected $code: $(cat "$work/err")"
    local got
    got=$(jq -r .reason "$work/out" 2>/dev/null || echo "no JSON report")
    [ "$got" = "$reason" ] ||
        fail "$name" "reason $got, expected $reason: $(cat "$work/out")"
}

# field NAME JQ-FILTER EXPECTED: checks one value of the last report.
field() {
    checks=$((checks + 1))
    local got
    got=$(jq -r "$2" "$work/out")
    [ "$got" = "$3" ] || fail "$1" "$2 is '$got', expected '$3'"
}

# no_cache_time NAME: the last report gives no signature expiry and no
# cache time, as for every outcome that is not DNSSEC secure.
no_cache_time() {
    field "$1: no signature expiry" .lookup.earliest_signature_expiry null
    field "$1: no cache time" .lookup.cache_seconds null
}

# cache_time NAME: the last report gives a signature expiry in the future
# and a cache time within the zone's 300 s TTL.
cache_time() {
    checks=$((checks + 1))
    jq -e '.lookup.earliest_signature_expiry > now and
           .lookup.cache_seconds > 0 and .lookup.cache_seconds <= 300' \
        "$work/out" >/dev/null ||
        fail "$1: signature expiry and cache time" "$(cat "$work/out")"
}

client=(--cert "$DANCE_CLIENT_CERT")
cat "$DANCE_SENSOR_CERT" "$DANCE_ORG_CA_CERT" >"$work/sensor-chain.pem"
cat "$DANCE_NOSAN_CERT" "$DANCE_ORG_CA_CERT" >"$work/nosan-chain.pem"

# The three client name conventions, each with a secure matching record.
verify "service name matches" 0 secure-match \
    --name "$DANCE_NAME_SERVICE" "${client[@]}"
field "secure answer" .lookup.dnssec secure
field "server accepts" .server_action accept
field "record verdict" '.records[0].verdict' matched
verify "service name from --service and --client" 0 secure-match \
    --service smtp-client --client "device1.$DANCE_ZONE" "${client[@]}"
field "service owner built" .client_name "$DANCE_NAME_SERVICE"
verify "device name matches" 0 secure-match \
    --name "$DANCE_NAME_DEVICE" --cert "$DANCE_DEVICE_CERT"
verify "device name from --device and --org" 0 secure-match \
    --device device1 --org "$DANCE_ZONE" --cert "$DANCE_DEVICE_CERT"
field "device owner built" .client_name "$DANCE_NAME_DEVICE"
verify "freeform name matches" 0 secure-match \
    --name "$DANCE_NAME_FREEFORM" "${client[@]}"

# Raw public keys, given as the SPKI or as the private key.
verify "raw public key matches" 0 secure-match \
    --name "$DANCE_NAME_SERVICE" --pubkey "$DANCE_CLIENT_SPKI"
field "raw key record verdict" '.records[0].detail' \
    "matches the raw public key"
verify "raw key from a private key matches" 0 secure-match \
    --name "$DANCE_NAME_SERVICE" --key "$DANCE_CLIENT_KEY"

# Lookup facts: TTL, earliest signature expiry, how long to cache.
verify "lookup facts are reported" 0 secure-match \
    --name "$DANCE_NAME_SERVICE" "${client[@]}"
# Unbound counts the TTL down from the zone's 300 s while it caches.
field "ttl" '.lookup.ttl > 0 and .lookup.ttl <= 300' true
field "final owner" .lookup.final_owner "$DANCE_NAME_SERVICE"
cache_time "secure answer"

# A secure record for another key.
verify "secure mismatch is rejected" 1 no-match \
    --name "$DANCE_NAME_MISMATCH" "${client[@]}"
field "mismatch server action" .server_action abort-or-unauthenticated

# Wildcard DANE-TA record of the organisation CA.
verify "wildcard DANE-TA with the org CA matches" 0 secure-match \
    --name "$DANCE_NAME_WILDCARD" --chain "$work/sensor-chain.pem"
field "wildcard record usage" '.records[0].usage' 2
verify "DANE-TA leaf without the name is rejected" 1 \
    name-not-in-certificate \
    --name "$DANCE_NAME_WILDCARD_NOSAN" --chain "$work/nosan-chain.pem"
field "SAN mismatch must abort" .server_action abort
verify "DANE-TA without the CA in the chain does not match" 1 no-match \
    --name "$DANCE_NAME_WILDCARD" --cert "$DANCE_SENSOR_CERT"

# Aliases: inside the signed zone, through a DNAME, into an unsigned zone.
verify "CNAME inside the signed zone matches" 0 secure-match \
    --name "$DANCE_NAME_CNAME" "${client[@]}"
field "CNAME final owner" .lookup.final_owner "_smtp-client.device1.$DANCE_ZONE"
verify "DNAME inside the signed zone matches" 0 secure-match \
    --name "$DANCE_NAME_DNAME" "${client[@]}"
verify "CNAME into an unsigned zone is insecure" 1 insecure \
    --name "$DANCE_NAME_CNAME_INSECURE" "${client[@]}"
field "insecure record is still judged" '.records[0].verdict' matched
no_cache_time "CNAME into an unsigned zone"

# DNSSEC failures and proven absence.
verify "unsigned delegation is insecure" 1 insecure \
    --name "$DANCE_NAME_INSECURE" "${client[@]}"
no_cache_time "unsigned delegation"
verify "record changed after signing is bogus" 1 bogus \
    --name "$DANCE_NAME_TAMPERED" "${client[@]}"
no_cache_time "record changed after signing"
verify "expired signatures are bogus" 1 bogus \
    --name "$DANCE_NAME_EXPIRED_SIGNATURES" "${client[@]}"
no_cache_time "expired signatures"
verify "proven NXDOMAIN is rejected" 1 nxdomain \
    --name "$DANCE_NAME_NXDOMAIN" "${client[@]}"
cache_time "proven NXDOMAIN"
verify "proven NODATA is rejected" 1 nodata \
    --name "$DANCE_NAME_NODATA" "${client[@]}"
cache_time "proven NODATA"

# Digest agility: SHA2-256 of the client key beside SHA2-512 of another.
verify "key matching only the weaker digest is rejected" 1 \
    weaker-digest-only --name "$DANCE_NAME_AGILITY" "${client[@]}"
# RRset order is not fixed, so the record is picked by its digest.
field "weaker record set aside" \
    '.records[] | select(.matching_type == 1) | .verdict' superseded
verify "weaker digest counts with agility off" 0 secure-match \
    --name "$DANCE_NAME_AGILITY" "${client[@]}" --no-digest-agility

verify "only an unknown usage leaves no usable records" 1 \
    no-usable-records --name "$DANCE_NAME_UNKNOWN_USAGE" "${client[@]}"
field "unknown usage reason" '.records[0].verdict' unusable

verify "expired leaf under DANE-EE is accepted" 0 secure-match \
    --name "$DANCE_NAME_EXPIRED_LEAF" --cert "$DANCE_EXPIRED_CERT"
field "expired leaf warning" '.warnings[0] | test("expired on 2021-01-01")' \
    true

# A chain of ten CNAMEs is longer than the resolver follows.
verify "too long alias chain fails" 4 lookup-failed \
    --name "$DANCE_NAME_CNAME_CHAIN" "${client[@]}"

# A closed port and a resolver that never replies: temporary failures,
# exit 4. The silent one reads and drops UDP queries and accepts TCP
# connections without answering, so neither transport gets a reply.
resolver=(--resolver 127.0.0.1:9 --trust-anchor "$DANCE_TA_ROOT_DS"
    --timeout 0.5)
verify "closed resolver port fails" 4 lookup-failed \
    --name "$DANCE_NAME_SERVICE" "${client[@]}"
python3 -c '
import select, socket, sys
# The UDP port may be taken for TCP already, so try again until both
# sockets share one port.
while True:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        tcp.bind(("127.0.0.1", udp.getsockname()[1]))
        break
    except OSError:
        udp.close()
        tcp.close()
tcp.listen(16)
print(udp.getsockname()[1], flush=True)
sys.stdout.close()
held = []
while True:
    ready, _, _ = select.select([udp, tcp], [], [])
    if udp in ready:
        udp.recv(4096)
    if tcp in ready:
        held.append(tcp.accept()[0])
' >"$work/silent.port" &
silent_pid=$!
# Python can take seconds to start on a loaded machine.
for _ in $(seq 1 400); do
    [ -s "$work/silent.port" ] && break
    sleep 0.05
done
if [ ! -s "$work/silent.port" ]; then
    echo "verify-testbed: the silent resolver did not start" >&2
    exit 1
fi
resolver=(--resolver "127.0.0.1:$(cat "$work/silent.port")"
    --trust-anchor "$DANCE_TA_ROOT_DS" --timeout 0.5)
verify "silent resolver times out" 4 timeout \
    --name "$DANCE_NAME_SERVICE" "${client[@]}"
kill "$silent_pid"
wait "$silent_pid" 2>/dev/null || true
resolver=(--resolver "$DANCE_RESOLVER_UPSTREAM"
    --trust-anchor "$DANCE_TA_ROOT_DS" --timeout 5)

# The text report carries the same facts.
checks=$((checks + 1))
"$dance" verify "${resolver[@]}" --name "$DANCE_NAME_MISMATCH" \
    "${client[@]}" >"$work/text" || true
for line in "not authenticated (no-match): " "lookup: answer, DNSSEC secure" \
    "record 1: 3 1 1 " ": not-matched: does not match the SPKI" \
    "earliest signature expiry: " \
    "DANCE server: aborts with handshake_failure"; do
    grep -qF -- "$line" "$work/text" ||
        fail "text report" "lacks '$line': $(cat "$work/text")"
done

# A bogus answer's text report explains why it has no expiry or cache time.
checks=$((checks + 1))
"$dance" verify "${resolver[@]}" --name "$DANCE_NAME_TAMPERED" \
    "${client[@]}" >"$work/text" || true
# The TTL varies, because Unbound counts it down while it caches.
grep -qE '^ttl: [0-9]+ s \(no signature expiry or cache time: the outcome is not DNSSEC secure\)$' \
    "$work/text" || fail "bogus text report" "$(cat "$work/text")"
if grep -qE "earliest signature expiry|cacheable" "$work/text"; then
    fail "bogus text report" "suggests a cache time: $(cat "$work/text")"
fi

# Batch: JSON Lines and CSV, a bad line, output in input order.
cp "$DANCE_CLIENT_CERT" "$work/client.pem"
cat >"$work/batch.txt" <<EOF
# comment
$DANCE_NAME_SERVICE,client.pem
{"name": "$DANCE_NAME_MISMATCH", "cert": "client.pem"}
{"name": "$DANCE_NAME_DEVICE", "cert": "$DANCE_DEVICE_CERT"}
{"name": "bad..name", "cert": "client.pem"}
{"name": "$DANCE_NAME_TAMPERED", "pubkey": "$DANCE_CLIENT_SPKI"}
EOF
checks=$((checks + 1))
status=0
"$dance" verify "${resolver[@]}" --batch "$work/batch.txt" \
    --max-in-flight 2 >"$work/batch.out" 2>"$work/err" || status=$?
[ "$status" = 3 ] || fail "batch exit code" "$status, expected 3"
expected='2 secure-match
3 no-match
4 secure-match
5 error
6 bogus'
got=$(jq -r '"\(.line) \(.reason // "error")"' "$work/batch.out")
[ "$got" = "$expected" ] || fail "batch lines" "got: $got"

checks=$((checks + 1))
grep -v bad..name "$work/batch.txt" | grep -v tampered >"$work/good.txt"
status=0
"$dance" verify "${resolver[@]}" --batch "$work/good.txt" --threads 3 \
    >"$work/batch.out" 2>"$work/err" || status=$?
[ "$status" = 1 ] || fail "batch of matches and a mismatch" "exit $status"

checks=$((checks + 1))
grep -v wrongkey "$work/good.txt" >"$work/all-good.txt"
status=0
# Relative paths on standard input are relative to the working directory.
(cd "$work" && "$dance" verify "${resolver[@]}" --batch - <all-good.txt \
    >batch.out 2>err) || status=$?
[ "$status" = 0 ] || fail "batch from standard input" "exit $status"
[ "$(wc -l <"$work/batch.out")" = 2 ] ||
    fail "batch from standard input" "$(cat "$work/batch.out")"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" = 0 ]
