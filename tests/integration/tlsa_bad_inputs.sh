#!/usr/bin/env bash
# dance tlsa on bad input: each case asserts the exit code, the error
# message on stderr and an empty standard output.
set -euo pipefail

dance=${DANCE_BIN:?DANCE_BIN must name the dance binary}
source_root=${DANCE_SOURCE_ROOT:?}
devices=$source_root/examples/devices
data=$source_root/tests/data/credential
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

checks=0
failures=0

fail() {
    failures=$((failures + 1))
    printf 'FAIL %s: %s\n' "$1" "$2"
}

# case NAME EXIT-CODE MESSAGE-FRAGMENT ARGS...
case_() {
    local name=$1 code=$2 fragment=$3
    shift 3
    checks=$((checks + 1))
    local status=0
    "$dance" tlsa "$@" >out 2>err || status=$?
    [ "$status" = "$code" ] ||
        fail "$name" "exit code $status, expected $code ($(cat err))"
    grep -qF -- "$fragment" err ||
        fail "$name" "stderr lacks '$fragment': $(cat err)"
    [ ! -s out ] || fail "$name" "standard output is not empty: $(cat out)"
}

mkdir folder
: >empty.pem
printf 'this is not a certificate\n' >garbage.pem
openssl x509 -in "$devices/gateway.pem" -outform DER -out gateway.der
head -c 500 gateway.der >truncated.der
{ cat gateway.der; printf 'junk'; } >trailing.der
{ cat "$devices/sensor1.pem"; printf 'junk after the block\n'; } >trailing.pem
head -c 2000000 /dev/zero >large.der

case_ "missing file" 3 "no-such.pem: no such file" no-such.pem
case_ "directory" 3 "folder: is a directory, not a credential file" folder
case_ "empty file" 3 "empty.pem: is empty" empty.pem
case_ "garbage" 3 "garbage.pem: not a certificate or key" garbage.pem
case_ "truncated DER" 3 \
    "truncated.der: truncated DER: the outer SEQUENCE announces" truncated.der
case_ "trailing DER data" 3 \
    "trailing.der: 4 octets of trailing data after the DER object" \
    trailing.der
case_ "trailing PEM data" 3 \
    "trailing.pem: unexpected data after the last PEM block, at line 15" \
    trailing.pem
case_ "oversized by default" 3 \
    "large.der: larger than the limit of 1048576 octets" large.der
case_ "oversized with a limit" 3 \
    "gateway.der: larger than the limit of 100 octets" \
    --max-input-size 100 gateway.der
case_ "oversized standard input" 3 \
    "standard input: larger than the limit of 1048576 octets" - <large.der
case_ "encrypted PKCS#8 key" 3 \
    "is encrypted, which is not supported: decrypt it first with 'openssl pkey" \
    --key "$data/sensor1-encrypted-pkcs8.pem"
case_ "encrypted traditional key" 3 "is encrypted, which is not supported" \
    --key "$data/sensor1-encrypted-traditional.pem"
case_ "selector 0 for a public key" 3 \
    "selector 0 (Cert) needs a certificate, but the file holds a bare public key: use selector 1 (SPKI)" \
    -p 3:0:1 --pubkey "$data/camera-spki.pem"
case_ "selector 0 for a private key" 3 \
    "selector 0 (Cert) needs a certificate, but the file holds a private key" \
    -s 0 --key "$devices/camera.key"
case_ "usage 2 on a non-CA" 3 \
    "usage 2 needs a CA certificate, but certificate 0 (CN=sensor1._device.example.com,O=Example Devices Ltd) is not a CA" \
    -p 2:0:1 "$devices/sensor1.pem"
case_ "certificate option on a key" 3 \
    "expected a certificate but found a private key" \
    --cert "$devices/sensor1.key"
case_ "invalid -p" 2 "invalid -p value '3:1'" -p 3:1 "$devices/sensor1.pem"
case_ "unassigned usage" 2 "are not all assigned" -p 7:1:1 \
    "$devices/sensor1.pem"
case_ "invalid owner" 2 "invalid --owner" --owner 'bad..name' \
    "$devices/sensor1.pem"
case_ "nsupdate without owner" 2 "--nsupdate writes whole records and needs an owner name" \
    --nsupdate "$devices/sensor1.pem"
case_ "no input" 2 "no credential given" -p 3:1:1
# Empty values used to pass as 0 or as no option: --ttl '' wrote TTL 0.
case_ "empty owner" 2 "dance: error: --owner: empty value: give a value" \
    --owner '' "$devices/sensor1.pem"
case_ "empty ttl" 2 "dance: error: --ttl: " \
    --owner a.example --ttl '' "$devices/sensor1.pem"
# RFC 2181 section 8: a TTL is 0 to 2^31 - 1.
case_ "ttl above 2^31 - 1" 2 \
    "dance: error: --ttl: Value 2147483648 not in range 0 to 2147483647" \
    --owner a.example --ttl 2147483648 "$devices/sensor1.pem"
case_ "negative ttl" 2 "dance: error: --ttl: Value -1 not in range" \
    --owner a.example --ttl -1 "$devices/sensor1.pem"
case_ "negative input size" 2 \
    "dance: error: --max-input-size: Value -1 not in range 1 to" \
    --max-input-size -1 "$devices/sensor1.pem"
case_ "CA index not a number" 2 \
    "dance: error: invalid value --ca-index = 1e9: give a value of the type" \
    -u 2 --ca-index 1e9 "$devices/sensor1.pem"
case_ "missing batch file" 3 "cannot read --batch file no-batch.txt: No such file or directory" \
    --batch no-batch.txt
case_ "zero threads" 2 "dance: error: --threads: Value 0 not in range 1 to 64" \
    --threads 0 "$devices/sensor1.pem"
case_ "too many threads" 2 \
    "dance: error: --threads: Value 65 not in range 1 to 64" \
    --threads 65 "$devices/sensor1.pem"
case_ "threads not a number" 2 "dance: error: --threads: Value two not in" \
    --threads two "$devices/sensor1.pem"

# A failed input is reported and the run goes on with the next one.
checks=$((checks + 1))
status=0
"$dance" tlsa empty.pem "$devices/sensor1.pem" >out 2>err || status=$?
[ "$status" = 3 ] || fail "streaming" "exit code $status, expected 3"
[ "$(cat out)" = "3 1 1 8a983d688a660cd01d5acdf01766e237396682735c00354f3be9caf44e60b9a1" ] ||
    fail "streaming" "standard output: $(cat out)"
grep -qF "1 of 2 input(s) failed" err || fail "streaming" "stderr: $(cat err)"

checks=$((checks + 1))
status=0
"$dance" tlsa --json garbage.pem "$devices/sensor1.pem" >out 2>err ||
    status=$?
[ "$status" = 3 ] || fail "JSON streaming" "exit code $status, expected 3"
python3 - out <<'EOF' || fail "JSON streaming" "$(cat out)"
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1])]
assert len(lines) == 2, lines
assert lines[0]["ok"] is False
assert lines[0]["error"]["category"] == "input"
assert "not a certificate or key" in lines[0]["error"]["message"]
assert lines[1]["ok"] is True
assert lines[1]["records"][0]["data"].startswith("8a983d68")
EOF

# A batch line with an invalid owner fails alone.
checks=$((checks + 1))
printf '%s bad..owner\n%s sensor1.example\n' "$devices/gateway.pem" \
    "$devices/sensor1.pem" >fleet.txt
status=0
"$dance" tlsa --batch fleet.txt >out 2>err || status=$?
[ "$status" = 3 ] || fail "batch owner" "exit code $status, expected 3"
grep -qF "fleet.txt:1: invalid owner name" err ||
    fail "batch owner" "stderr: $(cat err)"
[ "$(wc -l <out)" = 1 ] || fail "batch owner" "standard output: $(cat out)"

# The summary does not mention other inputs when there are none.
case_ "only input failed" 3 \
    "dance: error: the input failed; no records were written" empty.pem
case_ "every input failed" 3 \
    "dance: error: all 2 inputs failed; no records were written" \
    empty.pem garbage.pem

# A line without an owner would print bare RDATA among zone-file lines.
checks=$((checks + 1))
printf '%s sensor1.example\n%s\n' "$devices/sensor1.pem" \
    "$devices/gateway.pem" >owners.txt
status=0
"$dance" tlsa --batch owners.txt >out 2>err || status=$?
[ "$status" = 3 ] || fail "batch without owner" "exit code $status, expected 3"
grep -qF "owners.txt:2: no owner name: add one after the path or pass --owner" \
    err || fail "batch without owner" "stderr: $(cat err)"
[ "$(wc -l <out)" = 1 ] ||
    fail "batch without owner" "standard output: $(cat out)"

# A line of vertical tabs and form feeds is blank, like one of spaces: it
# names no input and is skipped.
checks=$((checks + 1))
printf '%s\n\v\n \f \n%s\n' "$devices/sensor1.pem" "$devices/gateway.pem" \
    >blank-lines.txt
status=0
"$dance" tlsa --batch blank-lines.txt --owner a.example >out 2>err ||
    status=$?
[ "$status" = 0 ] || fail "blank batch lines" "exit code $status: $(cat err)"
[ "$(wc -l <out)" = 2 ] && [ ! -s err ] ||
    fail "blank batch lines" "standard output: $(cat out)"

# A path with a NUL byte fails alone, rather than naming the file before
# the NUL.
checks=$((checks + 1))
printf '%s\0junk a.example\n%s b.example\n' "$devices/sensor1.pem" \
    "$devices/gateway.pem" >nul-path.txt
status=0
"$dance" tlsa --batch nul-path.txt >out 2>err || status=$?
[ "$status" = 3 ] || fail "NUL in a batch path" "exit code $status"
grep -qxF "dance: error: nul-path.txt:1: the path contains a NUL byte, which no file name can hold: remove it" \
    err || fail "NUL in a batch path" "stderr: $(cat err)"
[ "$(cat out)" = "$("$dance" tlsa --owner b.example "$devices/gateway.pem")" ] ||
    fail "NUL in a batch path" "standard output: $(cat out)"

# ---- Parallel runs write what a sequential run writes ----------------------

# run_threads NAME N ARGS...: runs dance tlsa on N threads, with standard
# input from $stdin_file, and keeps its standard output, standard error
# and exit code in NAME.N.*.
stdin_file=/dev/null
run_threads() {
    local name=$1 threads=$2
    shift 2
    local status=0
    "$dance" tlsa --threads "$threads" "$@" <"$stdin_file" \
        >"$name.$threads.out" 2>"$name.$threads.err" || status=$?
    echo "$status" >"$name.$threads.status"
}

# same_on_threads NAME ARGS...: one thread and four give the same bytes
# on both streams and the same exit code.
same_on_threads() {
    local name=$1 part
    shift
    checks=$((checks + 1))
    run_threads "$name" 1 "$@"
    run_threads "$name" 4 "$@"
    for part in out err status; do
        cmp -s "$name.1.$part" "$name.4.$part" ||
            fail "$name" "$part differs between 1 and 4 threads:
$(diff "$name.1.$part" "$name.4.$part" | head -n 6)"
    done
}

# 600 lines, more than four threads hold at once, with failed inputs and
# warnings (usage 1 with owners that are not dNSNames) all through.
for i in $(seq 1 100); do
    printf '%s sensor%d.example\n' "$devices/sensor1.pem" "$i"
    printf '%s gateway%d.example\n' "$devices/gateway.pem" "$i"
    printf 'missing%d.pem missing%d.example\n' "$i" "$i"
    printf '%s camera%d.example\n' "$devices/camera.key" "$i"
    printf '%s bad..owner%d\n' "$devices/camera.pem" "$i"
    printf 'garbage.pem garbage%d.example\n' "$i"
done >threads.txt
same_on_threads batch --batch threads.txt -p 3:1:1 -p 1:1:1
same_on_threads batch-json --batch threads.txt -p 3:1:1 -p 1:1:1 --json
same_on_threads listed empty.pem "$devices/sensor1.pem" garbage.pem \
    "$devices/gateway.pem" "$devices/camera.key"
# Standard input is read once, by the first '-', on any number of threads.
stdin_file=$devices/sensor1.pem
same_on_threads stdin - "$devices/gateway.pem" -
stdin_file=/dev/null

# The results both runs share are the expected ones.
checks=$((checks + 1))
[ "$(cat batch.4.status)" = 3 ] ||
    fail "parallel batch" "exit code $(cat batch.4.status), expected 3"
[ "$(wc -l <batch.4.out)" = 400 ] ||
    fail "parallel batch" "$(wc -l <batch.4.out) records, expected 400"
[ "$(sed -n 204p batch.4.out)" = \
    "gateway51.example. IN TLSA 1 1 1 af71d6546c0e7b6d82d4408116495cae5549f9234ed292725850caed9d04f516" ] ||
    fail "parallel batch" "record 204: $(sed -n 204p batch.4.out)"
tail -n 1 batch.4.err | grep -qxF \
    "dance: error: 400 of 600 input(s) failed; records were written for the others" ||
    fail "parallel batch" "summary: $(tail -n 1 batch.4.err)"
[ "$(grep -c '^dance: warning: ' batch.4.err)" = 200 ] ||
    fail "parallel batch" "$(grep -c '^dance: warning: ' batch.4.err) warnings, expected 200"
# The messages of the 51st group of six lines, in input order.
line=300
for prefix in \
    "dance: warning: $devices/sensor1.pem: usage 1 requires the client name sensor51.example" \
    "dance: warning: $devices/gateway.pem: usage 1 requires the client name gateway51.example" \
    "dance: error: missing51.pem: no such file" \
    "dance: error: $devices/camera.key: usage 1 (PKIX) needs a certificate" \
    "dance: error: threads.txt:305: invalid owner name" \
    "dance: error: garbage.pem: not a certificate or key"; do
    line=$((line + 1))
    message=$(sed -n "${line}p" batch.4.err)
    [ "${message#"$prefix"}" != "$message" ] ||
        fail "parallel batch" "message $line: $message"
done
python3 - batch-json.4.out <<'EOF' || fail "parallel JSON" "see above"
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1])]
assert len(lines) == 600, len(lines)
assert [line["ok"] for line in lines[:6]] == [
    True, True, False, False, False, False], lines[:6]
assert lines[595]["owner"] == "gateway100.example.", lines[595]
assert "no such file" in lines[596]["error"]["message"], lines[596]
EOF
[ "$(cat stdin.4.out)" = "3 1 1 8a983d688a660cd01d5acdf01766e237396682735c00354f3be9caf44e60b9a1
3 1 1 af71d6546c0e7b6d82d4408116495cae5549f9234ed292725850caed9d04f516" ] ||
    fail "standard input twice" "$(cat stdin.4.out)"
grep -qxF "dance: error: standard input: is empty" stdin.4.err ||
    fail "standard input twice" "$(cat stdin.4.err)"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
