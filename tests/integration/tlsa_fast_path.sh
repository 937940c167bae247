#!/usr/bin/env bash
# The fast path of dance tlsa against the full path: for a matrix of
# certificates and other files, and of command lines, dance run normally
# and with DANCE_NO_FAST_PATH=1 must write the same standard output and
# standard error and exit with the same code. The plain cases must be
# served by the fast path (the dance-cli module never loaded, seen with
# LD_DEBUG=libs: GnuTLS never loaded), and the others must reach it.
set -euo pipefail

dance=${DANCE_BIN:?DANCE_BIN must name the dance binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

checks=0
failures=0

fail() {
    failures=$((failures + 1))
    printf 'FAIL %s\n' "$1"
}

# ---- Inputs ---------------------------------------------------------------

# self_signed NAME KEY-OPTIONS... : NAME.pem and NAME.der, valid now.
self_signed() {
    local name=$1
    shift
    openssl req -x509 -newkey "$@" -nodes -keyout "$name.key" \
        -subj "/CN=$name.example" -days 30 -out "$name.pem" 2>/dev/null
    openssl x509 -in "$name.pem" -outform DER -out "$name.der"
}

self_signed rsa2048 rsa:2048
self_signed rsa3072 rsa:3072
self_signed rsa1024 rsa:1024
self_signed p256 ec -pkeyopt ec_paramgen_curve:P-256
self_signed p384 ec -pkeyopt ec_paramgen_curve:P-384
self_signed ed25519 ed25519
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout san.key -subj "/CN=san.example" -days 30 \
    -addext "subjectAltName=DNS:one.example" -out san1.pem 2>/dev/null
openssl req -x509 -key san.key -subj "/CN=san.example" -days 30 \
    -addext "subjectAltName=DNS:one.example,DNS:two.example" \
    -out san2.pem 2>/dev/null

# dated NAME FROM UNTIL: a certificate valid only between two dates.
dated() {
    certtool --generate-privkey --key-type ecdsa --outfile "$1.key" \
        2>/dev/null
    printf 'cn = %s.example\nactivation_date = "%s"\nexpiration_date = "%s"\n' \
        "$1" "$2" "$3" >"$1.tmpl"
    certtool --generate-self-signed --load-privkey "$1.key" \
        --template "$1.tmpl" --outfile "$1.pem" 2>/dev/null
}
dated expired "2001-01-01 00:00:00" "2002-01-01 00:00:00"
dated future "2090-01-01 00:00:00" "2091-01-01 00:00:00"
# Valid until 2060, which needs a GeneralizedTime.
dated generalized-time "2020-01-01 00:00:00" "2060-06-30 12:34:56"
# A version 1 certificate, without extensions.
openssl req -new -key p256.key -subj "/CN=v1.example" -out v1.csr
openssl x509 -req -in v1.csr -key p256.key -days 30 -out v1.pem 2>/dev/null

# Names and object identifiers that the fast path leaves to the full
# path: an empty subject, and an extension OID of 127 characters, which
# the full path rejects.
openssl req -x509 -key p256.key -subj / -days 30 \
    -addext "subjectAltName=DNS:empty.example" -out empty-subject.pem
long_oid=1.2$(printf '.1%.0s' {1..62})
openssl req -x509 -key p256.key -subj /CN=long-oid.example -days 30 \
    -addext "$long_oid=DER:0500" -out long-oid.pem

cat p256.pem rsa2048.pem >bundle.pem
{ echo "subject=CN = p256.example"; cat p256.pem; } >text-before.pem
{ cat p256.pem; echo "trailing text"; } >text-after.pem
sed 's/$/\r/' p256.pem >crlf.pem
printf '%s' "$(cat p256.pem)" >no-final-newline.pem
{ head -1 p256.pem; echo; tail -n +2 p256.pem; } >blank-line.pem
sed 's/CERTIFICATE/X509 CERTIFICATE/' p256.pem >x509-label.pem
cp p256.der trailing.der
printf '\0' >>trailing.der
head -c 200 p256.der >truncated.der
head -c 600 /dev/urandom >garbage.bin
: >empty.pem
cp p256.key key.pem
openssl pkey -in p256.key -pubout -out pubkey.pem
mkdir folder

# ---- The comparison -------------------------------------------------------

# run_both ARGS...: compares the two paths on one command line.
run_both() {
    checks=$((checks + 1))
    local fast_code=0 full_code=0
    "$dance" "$@" >fast.out 2>fast.err || fast_code=$?
    DANCE_NO_FAST_PATH=1 "$dance" "$@" >full.out 2>full.err ||
        full_code=$?
    if [ "$fast_code" != "$full_code" ] || ! cmp -s fast.out full.out ||
        ! cmp -s fast.err full.err; then
        fail "dance $* differs: exit $fast_code vs $full_code"
        diff fast.out full.out | head -5 || true
        diff fast.err full.err | head -5 || true
    fi
}

# loads_module ARGS...: whether that call loads the dance-cli module,
# seen from the GnuTLS library it brings in.
loads_module() {
    LD_DEBUG=libs "$dance" "$@" 2>loader.log >/dev/null || true
    grep -q 'libgnutls\.so' loader.log
}

# expect_fast ARGS...: the call succeeds, writes records and does not
# load the module.
expect_fast() {
    checks=$((checks + 1))
    "$dance" "$@" >records.out 2>/dev/null || true
    if ! grep -q ' IN TLSA 3 \|^3 [01] [012] ' records.out; then
        fail "dance $* wrote no record"
    elif loads_module "$@"; then
        fail "dance $* loaded the module: the fast path did not serve it"
    fi
}

expect_full() {
    checks=$((checks + 1))
    if ! loads_module "$@"; then
        fail "dance $* did not load the module: the fast path took it"
    fi
}

# Command lines the fast path serves, for every certificate it reads.
plain_arguments=(
    ""
    "-p 3:1:1"
    "-p 3:0:1"
    "-p 3:0:2"
    "-p 3:1:0"
    "-p 3:1:2"
    "-p 3:1:1 -p 3:1:2 -p 3:0:1 -p 3:1:1"
    "-u 3 -s 0 -m 2 -p 3:1:1"
    "-s 1 -m 1"
    "--selector=0 --mtype=1"
    "-p DANE-EE:SPKI:SHA2-256"
    "-p dane-ee:cert:sha2-512 -u Dane-Ee -s spki -m sha2-256"
    "-p 003:01:001"
    "--owner sensor1._device.example"
    "--owner Sensor1._Device.Example. --ttl 3600"
    "--owner=a-b.c_d.example --ttl=0 --params=3:1:2"
    "--ttl 2147483647"
    "--owner x --ttl 60 -p 3:1:1"
)
# Command lines the fast path leaves to the full path.
other_arguments=(
    "-p 3:0:0"
    "-p 2:0:1"
    "-u 1"
    "-p 3:1:3"
    "-p 3:1"
    "-p 3:1:1:1"
    "-p PrivCert:1:1"
    "-p3:1:1"
    "-p ''"
    "--json"
    "--generic --owner a.example"
    "--nsupdate --owner a.example"
    "--owner ''"
    "--owner *.example"
    "--owner xn--bcher-kva.example"
    "--owner XN--bcher-kva.example"
    "--owner $(printf 'b\303\274cher.example')"
    "--owner -a.example"
    "--owner a-.example"
    "--owner a..example"
    "--owner ."
    "--owner $(printf 'a%.0s' {1..64}).example"
    "--owner $(printf 'abcdefghi.%.0s' {1..26})example"
    "--owner a.example --owner b.example"
    "--ttl 010"
    "--ttl 0x10"
    "--ttl 2147483648"
    "--ttl -1"
    "--max-input-size 10"
    "--threads 2"
    "--force"
    "--ca-index 0"
    "--help"
    "--"
)

certificates=(rsa2048.pem rsa2048.der rsa3072.pem rsa3072.der p256.pem
    p256.der p384.pem p384.der ed25519.pem ed25519.der san1.pem san2.pem
    generalized-time.pem v1.pem crlf.pem no-final-newline.pem)
others=(rsa1024.pem expired.pem future.pem bundle.pem text-before.pem
    text-after.pem blank-line.pem x509-label.pem trailing.der
    truncated.der garbage.bin empty.pem key.pem pubkey.pem folder
    missing.pem empty-subject.pem long-oid.pem)

for certificate in "${certificates[@]}"; do
    for arguments in "${plain_arguments[@]}"; do
        # shellcheck disable=SC2086 # each entry is a list of words
        run_both tlsa $arguments "$certificate"
        # shellcheck disable=SC2086
        expect_fast tlsa $arguments "$certificate"
    done
    run_both tlsa --cert "$certificate"
    expect_fast tlsa --cert "$certificate"
    run_both tlsa --cert="$certificate" --owner a.example
    for arguments in "${other_arguments[@]}"; do
        # shellcheck disable=SC2086
        eval "run_both tlsa $arguments \"\$certificate\""
        # shellcheck disable=SC2086
        eval "expect_full tlsa $arguments \"\$certificate\""
    done
done

for input in "${others[@]}"; do
    for arguments in "" "-p 3:1:1 -p 3:0:2" "--owner a.example"; do
        # shellcheck disable=SC2086
        run_both tlsa $arguments "$input"
        # shellcheck disable=SC2086
        expect_full tlsa $arguments "$input"
    done
done

# Two inputs, standard input, and a file name that reads as a word.
run_both tlsa p256.pem rsa2048.pem
expect_full tlsa p256.pem rsa2048.pem
run_both tlsa --cert p256.pem p384.pem
checks=$((checks + 1))
"$dance" tlsa - <p256.pem >fast.out 2>&1 || true
DANCE_NO_FAST_PATH=1 "$dance" tlsa - <p256.pem >full.out 2>&1 || true
cmp -s fast.out full.out || fail "dance tlsa - differs"
cp p256.pem verify
run_both tlsa verify
expect_full tlsa verify
run_both tlsa
run_both --version
expect_full --version

# A full standard output is reported alike.
if [ -w /dev/full ]; then
    checks=$((checks + 1))
    fast_code=0 full_code=0
    "$dance" tlsa p256.pem >/dev/full 2>fast.err || fast_code=$?
    DANCE_NO_FAST_PATH=1 "$dance" tlsa p256.pem >/dev/full 2>full.err ||
        full_code=$?
    if [ "$fast_code" != "$full_code" ] || ! cmp -s fast.err full.err; then
        fail "writing to /dev/full: exit $fast_code vs $full_code"
    fi
fi

# On a terminal the full path draws a progress line on standard error,
# and so must the fast path.
if command -v script >/dev/null; then
    checks=$((checks + 1))
    command=$(printf '%q tlsa --owner a.example p256.pem' "$dance")
    script -qec "$command" /dev/null </dev/null >fast.tty
    DANCE_NO_FAST_PATH=1 script -qec "$command" /dev/null </dev/null \
        >full.tty
    if ! cmp -s fast.tty full.tty || ! grep -q 'IN TLSA' fast.tty; then
        fail "output on a terminal differs"
        od -c fast.tty | head -5
        od -c full.tty | head -5
    fi
fi

# A named pipe is left to the full path unopened: opening and closing it
# first would end the writer with SIGPIPE and leave the full path waiting.
checks=$((checks + 1))
mkfifo pipe.pem
DANCE_NO_FAST_PATH=1 "$dance" tlsa p256.pem >full.out
{
    writer_code=0
    cat p256.pem >pipe.pem || writer_code=$?
    echo "$writer_code" >writer.code
} &
writer=$!
fast_code=0
timeout 20 "$dance" tlsa pipe.pem >fast.out 2>fast.err || fast_code=$?
if [ "$fast_code" != 0 ]; then
    # Unblock the writer if dance never opened the pipe.
    timeout 5 cat pipe.pem >/dev/null || true
fi
wait "$writer"
if [ "$fast_code" != 0 ] || [ "$(cat writer.code)" != 0 ] ||
    ! cmp -s fast.out full.out; then
    fail "reading a named pipe: exit $fast_code, writer $(cat writer.code)"
fi

# A module cut short is reported, not left to crash the process with
# SIGBUS when dlopen() maps segments past the end of the file.
checks=$((checks + 1))
mkdir cut
cp "$dance" cut/dance
head -c 100000 "$(dirname "$dance")/dance-cli.so" >cut/dance-cli.so
cut_code=0
cut/dance --version >cut.out 2>cut.err || cut_code=$?
if [ "$cut_code" != 70 ] || [ -s cut.out ] || ! grep -qxF \
    "dance: error: cannot load the dance module $(pwd -P)/cut/dance-cli.so: the file is truncated: install dance together with its module ('meson install' puts both in place)" \
    cut.err; then
    fail "truncated module: exit $cut_code: $(cat cut.err)"
fi

echo "$checks checks, $failures failures"
[ "$failures" = 0 ]
