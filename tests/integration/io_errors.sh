#!/usr/bin/env bash
# Every subcommand against broken standard streams and unreadable or
# endless inputs: a full or closed standard output, a closed standard
# input, a directory or /dev/zero where a file is expected, and JSON
# output of certificate text that is not UTF-8. Each case asserts the exit
# code and the exact message on stderr or the output.
set -uo pipefail

dance=${DANCE_BIN:?DANCE_BIN must name the dance binary}
source_root=${DANCE_SOURCE_ROOT:?}
devices=$source_root/examples/devices
cert=$devices/gateway.pem
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

checks=0
failures=0

fail() {
    failures=$((failures + 1))
    printf 'FAIL %s: %s\n' "$1" "$2"
}

# expect NAME EXIT-CODE STDERR-FRAGMENT: checks the last run's status and
# its stderr in the file err.
expect() {
    local name=$1 code=$2 fragment=$3
    checks=$((checks + 1))
    [ "$status" = "$code" ] ||
        fail "$name" "exit code $status, expected $code ($(cat err))"
    grep -qF -- "$fragment" err ||
        fail "$name" "stderr lacks '$fragment': $(cat err)"
}

full="dance: error: cannot write to standard output: No space left on device"
closed="dance: error: cannot write to standard output: Bad file descriptor"

# ---- Standard output that cannot be written --------------------------------

status=0
"$dance" tlsa --cert "$devices/gateway.pem" >/dev/full 2>err || status=$?
expect "tlsa to a full disk" 3 "$full"

status=0
"$dance" tlsa --json --cert "$devices/gateway.pem" >/dev/full 2>err ||
    status=$?
expect "tlsa JSON to a full disk" 3 "$full"

status=0
"$dance" tlsa --cert "$devices/gateway.pem" >&- 2>err || status=$?
expect "tlsa to a closed stdout" 3 "$closed"

status=0
"$dance" owner --client a.example >/dev/full 2>err || status=$?
expect "owner to a full disk" 3 "$full"

status=0
"$dance" zone-check --list-checks >/dev/full 2>err || status=$?
expect "zone-check list to a full disk" 3 "$full"

status=0
"$dance" --help >/dev/full 2>err || status=$?
expect "help to a full disk" 3 "$full"

# A reader that stops early is normal for a filter: no message at all,
# whether SIGPIPE ends the run or the write fails with EPIPE.
checks=$((checks + 1))
many=()
for _ in $(seq 2000); do many+=(--cert "$devices/gateway.pem"); done
"$dance" tlsa "${many[@]}" 2>err | head -n 1 >/dev/null
[ ! -s err ] || fail "tlsa into head" "stderr is not empty: $(head -3 err)"

# ---- Inputs that are directories, endless or closed ----------------------
# Each used to hang (reading /dev/zero without a limit, or getdns looping
# on EISDIR) or to pass with nothing read.

mkdir folder
printf 'example. 3600 IN SOA ns.example. host.example. 1 2 3 4 5\n' >good.zone

run() {
    status=0
    timeout 20 "$dance" "$@" >out 2>err || status=$?
}

run zone-check /dev/zero
expect "zone-check /dev/zero" 3 \
    "dance: error: cannot read zone file /dev/zero: not a regular file"

run zone-check folder
expect "zone-check directory" 3 \
    "dance: error: cannot read zone file folder: not a regular file"

status=0
timeout 20 "$dance" zone-check - </dev/zero >out 2>err || status=$?
expect "zone-check endless stdin" 3 \
    "dance: error: cannot read zone from standard input: larger than the limit"

status=0
timeout 20 "$dance" zone-check - <&- >out 2>err || status=$?
expect "zone-check closed stdin" 3 \
    "dance: error: cannot read zone from standard input: Bad file descriptor"

run zone-check good.zone --config folder
expect "zone-check --config directory" 3 \
    "dance: error: cannot read policy file folder: is a directory"

run zone-check good.zone --config /dev/zero
expect "zone-check --config /dev/zero" 3 \
    "dance: error: cannot read policy file /dev/zero: larger than the limit of 1048576 octets"

for anchor in folder /dev/zero; do
    run verify --resolver 127.0.0.1:1 --trust-anchor "$anchor" \
        --name a.example --cert "$cert"
    expect "verify --trust-anchor $anchor" 3 \
        "dance: error: cannot read trust anchor file $anchor: "
done

run verify --resolver 127.0.0.1:1 --batch /dev/zero
expect "verify --batch /dev/zero" 3 \
    "dance: error: cannot read --batch file /dev/zero: larger than the limit"

status=0
timeout 20 "$dance" verify --resolver 127.0.0.1:1 --batch - <&- >out 2>err ||
    status=$?
expect "verify --batch closed stdin" 3 \
    "dance: error: cannot read --batch file from standard input: Bad file descriptor"

run tlsa --batch /dev/zero
expect "tlsa --batch /dev/zero" 3 \
    "dance: error: cannot read --batch file /dev/zero: larger than the limit"

status=0
timeout 20 "$dance" tlsa --batch - <&- >out 2>err || status=$?
expect "tlsa --batch closed stdin" 3 \
    "dance: error: cannot read --batch file from standard input: Bad file descriptor"

run verify --tlsa-file /dev/zero --assume-secure --name a.example \
    --cert "$cert"
expect "verify --tlsa-file /dev/zero" 3 \
    "dance: error: cannot read zone file /dev/zero: not a regular file"

# A batch line that is not UTF-8 used to make the JSON dump throw with
# lookups in flight, and the batch was then used after it was freed.
printf 'a.example,%s\n\377,%s\n' "$cert" "$cert" >badline.txt
checks=$((checks + 1))
status=0
timeout 30 "$dance" verify --resolver 127.0.0.1:1 --timeout 1 \
    --batch badline.txt >out 2>err || status=$?
[ "$status" = 3 ] || fail "verify batch with a non-UTF-8 line" \
    "exit code $status, expected 3 ($(cat err))"
python3 - out <<'EOF' || fail "verify batch with a non-UTF-8 line" "$(cat out)"
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
assert [line["line"] for line in lines] == [1, 2], lines
assert lines[0]["reason"] == "lookup-failed", lines[0]
assert "is not valid UTF-8" in lines[1]["error"]["message"], lines[1]
EOF

# ---- Zone records that do not parse ----------------------------------------
# dance-zone-check(1): a record that does not parse is exit 3, and a fault
# in the owner is zone-syntax, not a TLSA RDATA problem.

hex64=$(printf 'ab%.0s' $(seq 32))
printf '$ORIGIN example.\n%s IN TLSA 3 1 1 %s\n' "$(printf 'a%.0s' $(seq 64))" \
    "$hex64" >label64.zone
run zone-check label64.zone
checks=$((checks + 1))
[ "$status" = 3 ] || fail "zone-check 64-octet owner label" "exit code $status"
grep -qF "label64.zone:2: error: [zone-syntax] cannot parse record: maximal domain name label length" out ||
    fail "zone-check 64-octet owner label" "$(cat out)"

printf '$ORIGIN example.\nx IN TLSA 3 1 1 zz\n' >badhex.zone
run zone-check badhex.zone
checks=$((checks + 1))
[ "$status" = 3 ] || fail "zone-check bad TLSA hex" "exit code $status"
grep -qF "badhex.zone:2: error: [tlsa-rdata-syntax] cannot parse record: invalid hexadecimal character" out ||
    fail "zone-check bad TLSA hex" "$(cat out)"

# An include outside the working directory is shown as written, not as
# a climb of "../" from the working directory.
printf 'x\n' >"$work/outside.txt"
printf '$ORIGIN example.\n$INCLUDE %s\n' "$work/outside.txt" >include.zone
mkdir -p below
checks=$((checks + 1))
(cd below && "$dance" zone-check ../include.zone >../out 2>../err)
grep -qF "$work/outside.txt:1: error: [zone-syntax]" out ||
    fail "zone-check absolute include path" "$(cat out)"

# ---- Certificate text that is not UTF-8 -----------------------------------
# A dNSName of raw octets 0xff, LF and "bad.example". JSON output used to
# throw on it (exit 70) and drop the inputs after it.

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout badutf.key -out badutf.pem -subj /CN=badutf -days 30 \
    -addext "subjectAltName=DER:300f820dff0a6261642e6578616d706c65" \
    2>/dev/null

checks=$((checks + 1))
status=0
"$dance" tlsa --json --cert badutf.pem --cert "$cert" >out 2>err || status=$?
[ "$status" = 0 ] ||
    fail "tlsa JSON of a non-UTF-8 name" "exit code $status ($(cat err))"
python3 - out <<'EOF' || fail "tlsa JSON of a non-UTF-8 name" "$(cat out)"
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
assert len(lines) == 2, lines
assert lines[0]["ok"] is True, lines[0]
names = lines[0]["credential"]["certificates"][0]["dns_names"]
assert names == ["\ufffd\nbad.example"], names
assert lines[1]["ok"] is True, lines[1]
EOF

# The same name in a leaf under a DANE-TA anchor: the verdict detail
# lists the leaf's dNSNames, escaped in text and replaced in JSON.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.pem -subj /CN=badutf-ca -days 30 \
    -addext basicConstraints=critical,CA:true 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout leaf.key -out leaf.csr -subj /CN=leaf 2>/dev/null
printf 'subjectAltName=DER:300f820dff0a6261642e6578616d706c65\n' >san.cnf
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out leaf.pem -days 30 -extfile san.cnf 2>/dev/null
cat leaf.pem ca.pem >chain.pem
ca_digest=$(openssl x509 -in ca.pem -outform DER | sha256sum | cut -d' ' -f1)
verify_bad=(verify --chain chain.pem --tlsa "2 0 1 $ca_digest" --assume-secure
    --name a.example)

checks=$((checks + 1))
status=0
"$dance" "${verify_bad[@]}" >out 2>err || status=$?
[ "$status" = 1 ] || fail "verify text of a non-UTF-8 name" "exit code $status"
grep -qF '(it has: \xff\x0abad.example)' out ||
    fail "verify text of a non-UTF-8 name" "$(cat out)"
! grep -q '^bad.example' out ||
    fail "verify text of a non-UTF-8 name" "raw newline: $(cat out)"

checks=$((checks + 1))
status=0
"$dance" "${verify_bad[@]}" --json >out 2>err || status=$?
[ "$status" = 1 ] ||
    fail "verify JSON of a non-UTF-8 name" "exit code $status ($(cat err))"
python3 - out <<'EOF' || fail "verify JSON of a non-UTF-8 name" "$(cat out)"
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
assert report["reason"] == "name-not-in-certificate", report
assert "(it has: \\xff\\x0abad.example)" in report["detail"], report
EOF

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
