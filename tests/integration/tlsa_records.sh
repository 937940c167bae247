#!/usr/bin/env bash
# dance tlsa against values computed independently with the openssl
# command line, and against danetool (GnuTLS) as a peer implementation.
# Keys and certificates are generated afresh with openssl and certtool:
# RSA 2048 and 3072, ECDSA P-256 and P-384, Ed25519.
set -euo pipefail

dance=${DANCE_BIN:?DANCE_BIN must name the dance binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

checks=0
failures=0

# expect NAME EXPECTED ACTUAL
expect() {
    checks=$((checks + 1))
    if [ "$2" != "$3" ]; then
        failures=$((failures + 1))
        printf 'FAIL %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3"
    fi
}

hex_of() { od -An -v -tx1 | tr -d ' \n'; }
digest_of() { openssl dgst "-$1" -r | cut -d' ' -f1; }

# The association data of FILE (DER on stdin) for matching type M.
association() {
    case $1 in
    0) hex_of ;;
    1) digest_of sha256 ;;
    2) digest_of sha512 ;;
    esac
}

# dance's record data only: "3 1 1 <hex>" with one record per line.
dance_rdata() { "$dance" tlsa "$@" 2>/dev/null; }

# danetool's "( 03 01 01 <hex> )" turned into "3 1 1 <hex>".
danetool_rdata() {
    danetool --tlsa-rr --host device.example "$@" 2>/dev/null |
        sed -n 's/.*TLSA ( 0\([0-3]\) 0\([01]\) 0\([0-2]\) \([0-9a-f]*\) ).*/\1 \2 \3 \4/p'
}

# ---- Keys and self-signed certificates ------------------------------------

make_key() {
    local name=$1
    shift
    openssl genpkey "$@" -out "$name.key" 2>/dev/null
    openssl req -x509 -key "$name.key" -subj "/CN=$name.device.example" \
        -addext "subjectAltName=DNS:$name.device.example" -days 30 \
        -out "$name.pem" 2>/dev/null
}

make_key rsa2048 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
make_key rsa3072 -algorithm RSA -pkeyopt rsa_keygen_bits:3072
make_key p256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
make_key p384 -algorithm EC -pkeyopt ec_paramgen_curve:P-384
make_key ed25519 -algorithm ED25519
key_types="rsa2048 rsa3072 p256 p384 ed25519"

for name in $key_types; do
    openssl x509 -in "$name.pem" -outform DER -out "$name.cert.der"
    openssl pkey -in "$name.key" -pubout -out "$name.spki.pem"
    openssl pkey -in "$name.key" -pubout -outform DER -out "$name.spki.der"
    openssl pkey -in "$name.key" -outform DER -out "$name.key.der"
done
openssl pkey -in rsa2048.key -traditional -out rsa2048.traditional.key
openssl pkey -in p256.key -traditional -out p256.traditional.key

# ---- Every selector and matching type against openssl ---------------------

for name in $key_types; do
    for selector in 0 1; do
        der=$name.cert.der
        [ $selector = 1 ] && der=$name.spki.der
        for mtype in 0 1 2; do
            data=$(association $mtype <"$der")
            for usage in 1 3; do
                expect "$name $usage $selector $mtype" \
                    "$usage $selector $mtype $data" \
                    "$(dance_rdata -p "$usage:$selector:$mtype" "$name.pem")"
            done
        done
    done
done

# ---- PEM and DER inputs, certificates and bare keys -----------------------

for name in $key_types; do
    pem_record=$(dance_rdata "$name.pem")
    expect "$name default is 3 1 1" \
        "3 1 1 $(digest_of sha256 <"$name.spki.der")" "$pem_record"
    expect "$name DER certificate" "$pem_record" \
        "$(dance_rdata --cert "$name.cert.der")"
    for mtype in 0 1 2; do
        from_certificate=$(dance_rdata -p "3:1:$mtype" "$name.pem")
        for key in "--pubkey $name.spki.pem" "--pubkey $name.spki.der" \
            "--key $name.key" "--key $name.key.der"; do
            # shellcheck disable=SC2086 # the option and file split on purpose
            expect "$name 3 1 $mtype from $key" "$from_certificate" \
                "$(dance_rdata -p "3:1:$mtype" $key)"
        done
    done
done
for name in rsa2048 p256; do
    expect "$name traditional private key" "$(dance_rdata "$name.pem")" \
        "$(dance_rdata --key "$name.traditional.key")"
done
expect "standard input" "$(dance_rdata p256.pem)" \
    "$(dance_rdata - <p256.cert.der)"

# ---- Bundles: root, intermediate and leaf made with certtool ---------------

cat >root.tmpl <<'EOF'
cn = "Test Root CA"
ca
cert_signing_key
expiration_days = 30
EOF
cat >intermediate.tmpl <<'EOF'
cn = "Test Intermediate CA"
ca
cert_signing_key
expiration_days = 30
EOF
cat >leaf.tmpl <<'EOF'
cn = "leaf.device.example"
dns_name = "leaf.device.example"
tls_www_client
signing_key
expiration_days = 30
EOF
certtool --generate-privkey --key-type ecdsa --outfile root.key 2>/dev/null
certtool --generate-privkey --key-type rsa --bits 2048 \
    --outfile intermediate.key 2>/dev/null
certtool --generate-privkey --key-type ed25519 --outfile leaf.key 2>/dev/null
certtool --generate-self-signed --load-privkey root.key \
    --template root.tmpl --outfile root.pem 2>/dev/null
certtool --generate-certificate --load-privkey intermediate.key \
    --load-ca-certificate root.pem --load-ca-privkey root.key \
    --template intermediate.tmpl --outfile intermediate.pem 2>/dev/null
certtool --generate-certificate --load-privkey leaf.key \
    --load-ca-certificate intermediate.pem \
    --load-ca-privkey intermediate.key \
    --template leaf.tmpl --outfile leaf.pem 2>/dev/null
cat leaf.pem intermediate.pem root.pem >chain.pem

cert_hash() { openssl x509 -in "$1" -outform DER | digest_of sha256; }
spki_hash() {
    openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER |
        digest_of sha256
}

expect "bundle 3 1 1 uses the leaf" "3 1 1 $(spki_hash leaf.pem)" \
    "$(dance_rdata chain.pem)"
expect "bundle 1 0 1 uses the leaf" "1 0 1 $(cert_hash leaf.pem)" \
    "$(dance_rdata -p 1:0:1 chain.pem)"
expect "bundle 2 0 1 uses the top CA" "2 0 1 $(cert_hash root.pem)" \
    "$(dance_rdata -p 2:0:1 chain.pem)"
expect "bundle 0 1 1 uses the top CA" "0 1 1 $(spki_hash root.pem)" \
    "$(dance_rdata -p 0:1:1 chain.pem)"
expect "bundle --ca-index 1 picks the intermediate" \
    "2 0 1 $(cert_hash intermediate.pem)" \
    "$(dance_rdata -p 2:0:1 --ca-index 1 chain.pem)"
expect "bundle reports which certificate was hashed" \
    "1 CN=Test Intermediate CA" \
    "$("$dance" tlsa --json -p 2:0:1 --ca-index 1 chain.pem |
        python3 -c 'import json, sys
r = json.load(sys.stdin)["records"][0]["hashed"]
print(r["position"], r["subject"])')"
expect "bundle chains" "True" \
    "$("$dance" tlsa --json chain.pem |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["credential"]["chains"])')"

# ---- danetool as a peer ---------------------------------------------------
# danetool writes usages 0-3 (--ca, --no-domain), selectors 0 and 1 (--x509)
# and matching types 1 and 2 (--hash). It has no Full (0). For --ca it
# hashes the first certificate of the file, so it gets the CA alone.

for name in $key_types; do
    for hash in sha256:1 sha512:2; do
        mtype=${hash#*:}
        expect "danetool $name 3 1 $mtype" \
            "$(danetool_rdata --load-certificate "$name.pem" \
                --hash "${hash%:*}")" \
            "$(dance_rdata -p "3:1:$mtype" "$name.pem")"
        expect "danetool $name 3 0 $mtype" \
            "$(danetool_rdata --load-certificate "$name.pem" --x509 \
                --hash "${hash%:*}")" \
            "$(dance_rdata -p "3:0:$mtype" "$name.pem")"
        expect "danetool $name 1 1 $mtype" \
            "$(danetool_rdata --load-certificate "$name.pem" --no-domain \
                --hash "${hash%:*}")" \
            "$(dance_rdata -p "1:1:$mtype" "$name.pem")"
        expect "danetool $name public key 3 1 $mtype" \
            "$(danetool_rdata --load-pubkey "$name.spki.pem" \
                --hash "${hash%:*}")" \
            "$(dance_rdata -p "3:1:$mtype" --pubkey "$name.spki.pem")"
    done
done
for selector in 0 1; do
    x509=()
    [ $selector = 0 ] && x509=(--x509)
    expect "danetool CA 2 $selector 1" \
        "$(danetool_rdata --load-certificate root.pem --ca "${x509[@]}")" \
        "$(dance_rdata -p "2:$selector:1" chain.pem)"
    expect "danetool CA 0 $selector 1" \
        "$(danetool_rdata --load-certificate root.pem --ca --no-domain \
            "${x509[@]}")" \
        "$(dance_rdata -p "0:$selector:1" chain.pem)"
done

# ---- Owner and output forms ------------------------------------------------

owner=p256._device.example.com
data=$(digest_of sha256 <p256.spki.der)
expect "zone line" "$owner. IN TLSA 3 1 1 $data" \
    "$(dance_rdata --owner "$owner" p256.pem)"
expect "zone line with TTL" "$owner. 600 IN TLSA 3 1 1 $data" \
    "$(dance_rdata --owner "$owner" --ttl 600 p256.pem)"
expect "nsupdate" "update add $owner. 3600 IN TLSA 3 1 1 $data" \
    "$(dance_rdata --owner "$owner" --nsupdate p256.pem)"
printf '%s %s\n' "$work/p256.pem" "$owner" "rsa2048.pem" \
    "rsa.example" >fleet.txt
expect "batch file" "$owner. IN TLSA 3 1 1 $data
rsa.example. IN TLSA 3 1 1 $(digest_of sha256 <rsa2048.spki.der)" \
    "$(dance_rdata --batch fleet.txt)"

# RFC 5280 allows an empty subject when a subjectAltName names the
# device; the record and the JSON report work without a subject.
openssl req -x509 -key p256.key -subj / -days 30 \
    -addext "subjectAltName=critical,DNS:empty.device.example" \
    -out empty-subject.pem 2>/dev/null
expect "empty subject gets its record" "3 1 1 $(spki_hash empty-subject.pem)" \
    "$(dance_rdata empty-subject.pem)"
expect "empty subject in JSON" '""' \
    "$("$dance" tlsa --json empty-subject.pem | jq -c .records[0].hashed.subject)"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
