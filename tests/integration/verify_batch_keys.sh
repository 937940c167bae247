#!/usr/bin/env bash
# dance verify --batch reuses the DNSKEY RRset of a zone once a lookup in
# it was validated, and checks later TLSA answers against those keys
# alone. This must never change a verdict: every test bed case is looked
# up in one batch, after secure names that fill the key cache, and each
# report must equal the one of a single run of the same name. Unbound's
# query log shows that the keys were reused. Last, the records of a
# report come in canonical order whatever order Unbound used. Run through
# tests/testbed/with-testbed.sh with DANCE_TESTBED_LOG_QUERIES=yes.
set -euo pipefail

dance=${DANCE_BIN:?DANCE_BIN must name the dance binary}
: "${DANCE_RESOLVER_UPSTREAM:?run through tests/testbed/with-testbed.sh}"
log=$DANCE_TESTBED_DIR/log/unbound.log
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

# The fields of a report that depend on the lookup and the match, not on
# the clock, the batch position, how long Unbound has cached a record or
# the order in which it returns an RRset.
verdict_fields='{authenticated, reason, detail,
    lookup: (.lookup | del(.cache_seconds, .ttl)),
    records: (.records | sort_by(.data))}'

cat "$DANCE_SENSOR_CERT" "$DANCE_ORG_CA_CERT" >"$work/sensor-chain.pem"
cat "$DANCE_NOSAN_CERT" "$DANCE_ORG_CA_CERT" >"$work/nosan-chain.pem"

# Name and credential of every case; the secure matches come first.
cases=(
    "$DANCE_NAME_SERVICE cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_FREEFORM cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_DEVICE cert $DANCE_DEVICE_CERT"
    "$DANCE_NAME_SERVER cert $DANCE_SERVER_CERT"
    "$DANCE_NAME_MISMATCH cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_TAMPERED cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_WILDCARD chain $work/sensor-chain.pem"
    "$DANCE_NAME_WILDCARD_NOSAN chain $work/nosan-chain.pem"
    "$DANCE_NAME_CNAME cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_DNAME cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_CNAME_INSECURE cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_CNAME_CHAIN cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_INSECURE cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_EXPIRED_SIGNATURES cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_NXDOMAIN cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_NODATA cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_AGILITY cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_UNKNOWN_USAGE cert $DANCE_CLIENT_CERT"
    "$DANCE_NAME_EXPIRED_LEAF cert $DANCE_EXPIRED_CERT"
)

# The batch, and the report of a single run for each line.
: >"$work/batch.jsonl"
: >"$work/single.jsonl"
for entry in "${cases[@]}"; do
    read -r name kind path <<<"$entry"
    printf '{"name": "%s", "%s": "%s"}\n' "$name" "$kind" "$path" \
        >>"$work/batch.jsonl"
    "$dance" verify --json "${resolver[@]}" --name "$name" "--$kind" "$path" \
        >"$work/one.json" 2>/dev/null || true
    jq -c "$verdict_fields" "$work/one.json" >>"$work/single.jsonl"
done

# One thread and one query at a time, so that the keys of the first
# secure answer are kept before the other names are sent.
dnskey_queries() { grep -c ' DNSKEY IN' "$log" || true; }
before=$(dnskey_queries)
status=0
"$dance" verify "${resolver[@]}" --batch "$work/batch.jsonl" --threads 1 \
    --max-in-flight 1 >"$work/batch.out" 2>"$work/err" || status=$?
after=$(dnskey_queries)

# Most names do not authenticate; the exit code is that of the worst
# outcome, which the single runs share.
checks=$((checks + 1))
[ "$status" = 1 ] || [ "$status" = 4 ] ||
    fail "batch exit code" "$status, expected 1 or 4: $(cat "$work/err")"

checks=$((checks + 1))
jq -c "$verdict_fields" "$work/batch.out" >"$work/batched.jsonl"
[ "$(wc -l <"$work/batched.jsonl")" = "${#cases[@]}" ] ||
    fail "batch reports" \
        "$(wc -l <"$work/batched.jsonl") lines for ${#cases[@]} names"
line=0
while IFS= read -r single && IFS= read -r batched <&3; do
    line=$((line + 1))
    checks=$((checks + 1))
    [ "$single" = "$batched" ] ||
        fail "line $line" "batch: $batched; single run: $single"
done <"$work/single.jsonl" 3<"$work/batched.jsonl"

# Every answer below the root checked by getdns alone would cost DNSKEY
# queries for the root, test. and dance.test. each time; with the keys
# kept, the secure matches after the first cost none.
secure_reused=3
checks=$((checks + 1))
allowed=$(((${#cases[@]} - secure_reused) * 3))
[ $((after - before)) -le "$allowed" ] ||
    fail "keys reused" \
        "$((after - before)) DNSKEY queries for ${#cases[@]} names"
checks=$((checks + 1))
first_four=$(head -n 4 "$work/batch.jsonl")
printf '%s\n' "$first_four" >"$work/secure.jsonl"
printf '%s\n' "$first_four" >>"$work/secure.jsonl"
before=$(dnskey_queries)
"$dance" verify "${resolver[@]}" --batch "$work/secure.jsonl" --threads 1 \
    --max-in-flight 1 >"$work/secure.out" 2>"$work/err" ||
    fail "secure batch" "exit $?: $(cat "$work/err")"
after=$(dnskey_queries)
[ $((after - before)) -le 3 ] ||
    fail "keys reused" \
        "$((after - before)) DNSKEY queries for 8 secure names, expected 3"
[ "$(jq -r .reason "$work/secure.out" | sort -u)" = secure-match ] ||
    fail "secure batch" "$(jq -r .reason "$work/secure.out" | xargs)"

# Unbound returns an RRset in varying order. Reports list the records in
# canonical order (RFC 4034 section 6.3), so the same name gets the same
# record numbers every time: here SHA2-256 (matching type 1) first.
for run in 1 2 3 4 5 6; do
    checks=$((checks + 1))
    "$dance" verify --json "${resolver[@]}" --name "$DANCE_NAME_AGILITY" \
        --cert "$DANCE_CLIENT_CERT" >"$work/agility.json" 2>/dev/null || true
    order=$(jq -r '[.records[].matching_type] | join(" ")' "$work/agility.json")
    [ "$order" = "1 2" ] ||
        fail "canonical record order, run $run" "matching types $order"
done

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" = 0 ]
