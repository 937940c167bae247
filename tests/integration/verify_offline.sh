#!/usr/bin/env bash
# dance verify without DNS: records given with --tlsa or --tlsa-file, and
# bad input of every kind. Uses the certificates of tests/data/match/
# (valid from 2025 to 2035), with record data computed here by openssl.
set -euo pipefail

dance=${DANCE_BIN:?DANCE_BIN must name the dance binary}
data=${DANCE_SOURCE_ROOT:?}/tests/data/match
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

checks=0
failures=0

fail() {
    failures=$((failures + 1))
    printf 'FAIL %s: %s\n' "$1" "$2"
}

sha256() { openssl dgst -sha256 -r "$1" | cut -d' ' -f1; }
pem() { openssl x509 -inform DER -in "$data/$1.der"; }

leaf_spki=$(sha256 "$data/leaf.spki.der")
raw_spki=$(sha256 "$data/raw.spki.der")
ca_cert=$(sha256 "$data/ca.der")
pem leaf >leaf.pem
pem ca >ca.pem
cat leaf.pem ca.pem >chain.pem

# offline NAME EXIT-CODE REASON ARGS...: dance verify --json, checking the
# exit code and the reason code of the report.
offline() {
    local name=$1 code=$2 reason=$3
    shift 3
    checks=$((checks + 1))
    local status=0
    "$dance" verify --json "$@" >out 2>err || status=$?
    [ "$status" = "$code" ] ||
        fail "$name" "exit code $status, expected $code: $(cat err)"
    local got
    got=$(jq -r .reason out 2>/dev/null || echo "no JSON report")
    [ "$got" = "$reason" ] || fail "$name" "reason $got, expected $reason"
}

# bad NAME EXIT-CODE MESSAGE-FRAGMENT ARGS...: an error on stderr and
# nothing on standard output.
bad() {
    local name=$1 code=$2 fragment=$3
    shift 3
    checks=$((checks + 1))
    local status=0
    "$dance" verify "$@" >out 2>err || status=$?
    [ "$status" = "$code" ] ||
        fail "$name" "exit code $status, expected $code ($(cat err))"
    grep -qF -- "$fragment" err || fail "$name" "stderr lacks '$fragment': $(cat err)"
    [ ! -s out ] || fail "$name" "standard output is not empty: $(cat out)"
}

name=(--name device1.example)

# ---- offline verdicts -------------------------------------------------------

offline "offline match assumed secure" 0 secure-match "${name[@]}" \
    --cert leaf.pem --tlsa "3 1 1 $leaf_spki" --assume-secure
checks=$((checks + 1))
[ "$(jq -r .lookup.source out)" = offline ] || fail "offline source" "$(cat out)"
offline "offline match without --assume-secure is insecure" 1 insecure \
    "${name[@]}" --cert leaf.pem --tlsa "3 1 1 $leaf_spki"
offline "offline wrong SPKI digest is rejected" 1 no-match "${name[@]}" \
    --cert leaf.pem --tlsa "3 1 1 $raw_spki" --assume-secure
offline "offline mnemonics are accepted" 0 secure-match "${name[@]}" \
    --cert leaf.pem --tlsa "DANE-EE SPKI SHA2-256 $leaf_spki" --assume-secure
offline "offline raw public key matches" 0 secure-match "${name[@]}" \
    --pubkey "$data/raw.spki.der" --tlsa "3 1 1 $raw_spki" --assume-secure
offline "offline DANE-TA chain matches" 0 secure-match "${name[@]}" \
    --chain chain.pem --tlsa "2 0 1 $ca_cert" --assume-secure
offline "offline DANE-TA via --cert and --chain" 0 secure-match \
    "${name[@]}" --cert leaf.pem --chain ca.pem --tlsa "2 0 1 $ca_cert" \
    --assume-secure
offline "offline DANE-TA name mismatch" 1 name-not-in-certificate \
    --name other.example --chain chain.pem --tlsa "2 0 1 $ca_cert" \
    --assume-secure
offline "offline PKIX-EE without a CA file is unusable" 1 \
    no-usable-records "${name[@]}" --cert leaf.pem \
    --tlsa "1 1 1 $leaf_spki" --assume-secure
offline "offline PKIX-EE with a CA file matches" 0 secure-match \
    "${name[@]}" --cert leaf.pem --tlsa "1 1 1 $leaf_spki" \
    --ca-file ca.pem --assume-secure
offline "offline agility with two records" 1 weaker-digest-only \
    "${name[@]}" --cert leaf.pem --tlsa "3 1 1 $leaf_spki" \
    --tlsa "3 1 2 $(openssl dgst -sha512 -r "$data/raw.spki.der" | cut -d' ' -f1)" \
    --assume-secure

cat >zone.txt <<EOF
\$TTL 300
device1.example. IN TLSA 3 1 1 $raw_spki
device1.example. IN TLSA ( 3 1 1
    $leaf_spki )
EOF
offline "offline zone file with two records" 0 secure-match "${name[@]}" \
    --cert leaf.pem --tlsa-file zone.txt --assume-secure
checks=$((checks + 1))
[ "$(jq '.records | length' out)" = 2 ] || fail "zone file records" "$(cat out)"

checks=$((checks + 1))
"$dance" verify "${name[@]}" --cert leaf.pem --tlsa "3 1 1 $leaf_spki" \
    --assume-secure >text || true
grep -qF "authenticated (secure-match): record 1 matches the SPKI" text ||
    fail "offline text verdict" "$(cat text)"
grep -qF "records: given offline, DNSSEC secure (assumed)" text ||
    fail "offline text source" "$(cat text)"

# Without --assume-secure the verdict gives the offline reason, not that
# of an unsigned DNS answer.
checks=$((checks + 1))
"$dance" verify "${name[@]}" --cert leaf.pem --tlsa "3 1 1 $leaf_spki" \
    >text || true
expected="not authenticated (insecure): records given offline count as insecure unless assumed secure"
[ "$(head -n 1 text)" = "$expected" ] || fail "offline insecure verdict" "$(cat text)"

# ---- bad input ----------------------------------------------------------------

tlsa=(--tlsa "3 1 1 $leaf_spki" --assume-secure)
printf 'not a zone line\n' >garbage.zone
printf 'device1.example. IN A 192.0.2.1\n' >no-tlsa.zone

bad "no client name" 2 "no client name given: pass --name" \
    --cert leaf.pem "${tlsa[@]}"
bad "invalid name" 2 "invalid --name: invalid DNS name \"bad..name\"" \
    --name bad..name --cert leaf.pem "${tlsa[@]}"
bad "two name forms" 2 "give the client name one way" \
    "${name[@]}" --device d1 --org example --cert leaf.pem "${tlsa[@]}"
bad "service without client" 2 "--service and --client go together" \
    --service smtp-client --cert leaf.pem "${tlsa[@]}"
bad "device without org" 2 "--device and --org go together" \
    --device d1 --cert leaf.pem "${tlsa[@]}"
bad "no credential" 2 "no credential given: pass --cert or --chain" \
    "${name[@]}" "${tlsa[@]}"
bad "two credentials" 2 "give one credential" \
    "${name[@]}" --cert leaf.pem --pubkey "$data/raw.spki.der" "${tlsa[@]}"
bad "missing certificate file" 3 "no-such.pem: no such file" \
    "${name[@]}" --cert no-such.pem "${tlsa[@]}"
bad "certificate option on a public key" 3 \
    "raw.spki.der: expected a certificate but found a public key: pass it with --pubkey instead" \
    "${name[@]}" --cert "$data/raw.spki.der" "${tlsa[@]}"
bad "chain option on a public key" 3 \
    "expected a certificate but found a public key: pass it with --pubkey instead" \
    "${name[@]}" --chain "$data/raw.spki.der" "${tlsa[@]}"
bad "public key option on a certificate" 3 \
    "leaf.pem: expected a public key but found a certificate: pass it with --cert or --chain instead" \
    "${name[@]}" --pubkey leaf.pem "${tlsa[@]}"
bad "private key option on a public key" 3 \
    "expected a private key but found a public key: pass it with --pubkey instead" \
    "${name[@]}" --key "$data/raw.spki.der" "${tlsa[@]}"
checks=$((checks + 1))
if grep -q "dance tlsa" err; then
    fail "credential error names verify options" "$(cat err)"
fi
bad "CA file holding a public key" 3 \
    "raw.spki.der: expected a certificate but found a public key" \
    "${name[@]}" --cert leaf.pem --ca-file "$data/raw.spki.der" "${tlsa[@]}"
checks=$((checks + 1))
if grep -q "pass it with" err; then
    fail "CA file error suggests no client option" "$(cat err)"
fi
bad "missing CA file" 3 "no-such-ca.pem: no such file" \
    "${name[@]}" --cert leaf.pem --ca-file no-such-ca.pem "${tlsa[@]}"
bad "invalid TLSA RDATA" 2 "invalid --tlsa: " \
    "${name[@]}" --cert leaf.pem --tlsa "3 1 1 zz" --assume-secure
bad "missing TLSA file" 3 "no-such.zone" \
    "${name[@]}" --cert leaf.pem --tlsa-file no-such.zone --assume-secure
bad "TLSA file that does not parse" 3 "invalid --tlsa-file garbage.zone: line 1" \
    "${name[@]}" --cert leaf.pem --tlsa-file garbage.zone --assume-secure
bad "TLSA file without TLSA records" 3 "contains no TLSA record" \
    "${name[@]}" --cert leaf.pem --tlsa-file no-tlsa.zone --assume-secure
bad "assume-secure without records" 2 \
    "--assume-secure applies only to records given with --tlsa" \
    "${name[@]}" --cert leaf.pem --assume-secure
bad "resolver option offline" 2 "verify offline: drop one or the other" \
    "${name[@]}" --cert leaf.pem "${tlsa[@]}" --resolver 127.0.0.1
bad "zero timeout" 2 "invalid --timeout 0" \
    "${name[@]}" --cert leaf.pem --resolver 127.0.0.1 --timeout 0
bad "invalid resolver address" 2 "invalid resolver address \"nonsense\"" \
    "${name[@]}" --cert leaf.pem --resolver nonsense
bad "missing trust anchor" 3 "cannot read trust anchor file" \
    "${name[@]}" --cert leaf.pem --resolver 127.0.0.1 \
    --trust-anchor no-such.ds
bad "missing batch file" 3 "cannot read --batch file no-such.txt" \
    --batch no-such.txt --resolver 127.0.0.1

# A batch whose only line gives a public key as "cert": the line's error
# names the batch field to use, and no lookup is made.
checks=$((checks + 1))
printf '{"name": "device1.example", "cert": "%s"}\n' "$data/raw.spki.der" \
    >wrong-kind.jsonl
status=0
"$dance" verify --batch wrong-kind.jsonl --resolver 127.0.0.1:9 >out 2>err ||
    status=$?
[ "$status" = 3 ] || fail "batch line of the wrong kind" "exit $status: $(cat err)"
expected='expected a certificate but found a public key: pass it with the "pubkey" field instead'
jq -r .error.message out | grep -qF -- "$expected" ||
    fail "batch line of the wrong kind" "$(cat out)"

printf '# no client yet\n\n' >no-clients.txt
bad "batch without a client line" 3 \
    "--batch no-clients.txt contains no client line" \
    --batch no-clients.txt --resolver 127.0.0.1:9
bad "batch from empty standard input" 3 \
    "--batch standard input contains no client line" \
    --batch - --resolver 127.0.0.1:9 </dev/null
bad "batch with a single-client option" 2 \
    "--batch takes names and credentials from its file" \
    --batch zone.txt "${name[@]}" --resolver 127.0.0.1
bad "batch with offline records" 2 "--batch looks up every name in DNS" \
    --batch zone.txt "${tlsa[@]}"
bad "max in flight without batch" 2 "--max-in-flight and --threads apply only to --batch" \
    "${name[@]}" --cert leaf.pem --max-in-flight 4 --resolver 127.0.0.1
bad "threads without batch" 2 "--max-in-flight and --threads apply only" \
    "${name[@]}" --cert leaf.pem --threads 2 --resolver 127.0.0.1
bad "max in flight out of range" 2 "--max-in-flight" \
    --batch zone.txt --max-in-flight 0 --resolver 127.0.0.1

# ---- help and man page --------------------------------------------------------

# Every reason code of match_reason_code() is listed in --help and in
# dance-verify(1), and --help names every exit code verify can return.
codes=$(sed -n '/^const char\* match_reason_code(/,/^}/p' \
    "$DANCE_SOURCE_ROOT/lib/dance/match.cpp" | sed -n 's/^ *return "\(.*\)";$/\1/p' |
    grep -vx unknown)
checks=$((checks + 1))
[ "$(echo "$codes" | wc -l)" -ge 15 ] ||
    fail "reason codes read from match.cpp" "got: $codes"
"$dance" verify --help >help.txt
reason_section=$(sed -n '/^# REASON CODES/,/^# SERVER ACTION/p' \
    "$DANCE_SOURCE_ROOT/man/dance-verify.scd")
for code in $codes; do
    checks=$((checks + 1))
    grep -qE -- "(^|[ ,])$code([ ,]|$)" help.txt ||
        fail "reason code in --help" "$code is missing"
    checks=$((checks + 1))
    grep -qF -- "*$code*" <<<"$reason_section" ||
        fail "reason code in dance-verify(1)" "$code is missing"
done
exit_text=$(sed -n '/^Exit codes:/,$p' help.txt | tr -s ' \n' ' ')
for code in "0 authenticated" "1 not authenticated" "2 usage error" \
    "3 input error" "4 the lookup did not complete" "70 internal error"; do
    checks=$((checks + 1))
    grep -qF -- "$code" <<<"$exit_text" ||
        fail "exit code in --help" "'$code' is missing: $exit_text"
done

# ---- --tcp ------------------------------------------------------------------

# Every query goes over TCP already, so --tcp is accepted and changes
# nothing; verify, serve and probe describe it with the same words.
tcp_help="No effect: queries always go over TCP. Kept so that scripts which pass it still run"
for subcommand in verify serve probe; do
    checks=$((checks + 1))
    "$dance" "$subcommand" --help >help.txt
    tr -s ' \n' ' ' <help.txt | grep -qF -- "--tcp $tcp_help" ||
        fail "$subcommand --tcp help" "$(grep -A2 -- --tcp help.txt)"
done
checks=$((checks + 1))
status=0
"$dance" verify --json "${name[@]}" --cert leaf.pem --tcp \
    --resolver 127.0.0.1:9 --timeout 1 >out 2>err || status=$?
[ "$status" = 4 ] && [ "$(jq -r .reason out)" = lookup-failed ] ||
    fail "--tcp is still accepted" "exit $status: $(cat err out)"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" = 0 ]
