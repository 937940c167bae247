#!/usr/bin/env bash
# Regenerates the certificates of the DANE matcher unit tests
# (tests/unit/test_match.cpp). The tests check validity at a fixed clock,
# 2030-06-01 00:00:00 UTC, so every date here is fixed too: the "good"
# certificates run from 2025 to 2035, the expired leaf from 2020 to 2021.
#
# Output is DER only; the keys are thrown away. Rerunning changes every
# digest, and the tests compute their records from these files, so no test
# data has to be edited afterwards.
set -euo pipefail
cd "$(dirname "$0")"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

key() {
    certtool --generate-privkey --key-type ecdsa --curve secp256r1 \
        --outfile "$work/$1.key" 2>/dev/null
}

# template NAME LINES...: writes a certtool template.
template() {
    local name=$1
    shift
    printf '%s\n' "$@" > "$work/$name.tmpl"
}

good_dates=('activation_date = "2025-01-01 00:00:00 UTC"'
            'expiration_date = "2035-01-01 00:00:00 UTC"')

# to_der NAME: writes NAME.der from the PEM certificate in the work area.
to_der() {
    certtool --certificate-info --infile "$work/$1.pem" --outder \
        --outfile "$1.der" >/dev/null 2>&1
}

self_signed() { # NAME
    certtool --generate-self-signed --load-privkey "$work/$1.key" \
        --template "$work/$1.tmpl" --outfile "$work/$1.pem" 2>/dev/null
    to_der "$1"
}

issued() { # NAME ISSUER [ISSUER_KEY]
    local issuer_key=${3:-$2}
    certtool --generate-certificate --load-privkey "$work/$1.key" \
        --load-ca-certificate "$work/$2.pem" \
        --load-ca-privkey "$work/$issuer_key.key" \
        --template "$work/$1.tmpl" --outfile "$work/$1.pem" 2>/dev/null
    to_der "$1"
}

spki() { # NAME
    certtool --pubkey-info --load-privkey "$work/$1.key" --outder \
        --outfile "$1.spki.der" 2>/dev/null
}

# The organisation CA, and an impostor with the same subject but another
# key, so a chain through it fails on the signature rather than the name.
key ca
template ca 'cn = "Example Device CA"' ca 'cert_signing_key' \
    "${good_dates[@]}"
self_signed ca
spki ca

key impostor-ca
template impostor-ca 'cn = "Example Device CA"' ca 'cert_signing_key' \
    "${good_dates[@]}"
self_signed impostor-ca

# An intermediate CA under the organisation CA.
key intermediate
template intermediate 'cn = "Example Device Intermediate"' ca \
    'cert_signing_key' "${good_dates[@]}"
issued intermediate ca
spki intermediate

# A certificate that signs others without being a CA.
key not-ca
template not-ca 'cn = "Example Not A CA"' 'signing_key' \
    "${good_dates[@]}"
issued not-ca ca

# The device leaf: two dNSNames, one of them with underscore labels.
key leaf
template leaf 'cn = "device1.example"' 'dns_name = "device1.example"' \
    'dns_name = "sensor7._device.example"' 'tls_www_client' \
    'signing_key' "${good_dates[@]}"
issued leaf ca
spki leaf

# The same key in a certificate that expired in 2021.
cp "$work/leaf.key" "$work/leaf-expired.key"
template leaf-expired 'cn = "device1.example"' \
    'dns_name = "device1.example"' 'tls_www_client' 'signing_key' \
    'activation_date = "2020-01-01 00:00:00 UTC"' \
    'expiration_date = "2021-01-01 00:00:00 UTC"'
issued leaf-expired ca

# The client name only in the CN, and a wildcard dNSName.
key leaf-cn-only
template leaf-cn-only 'cn = "device1.example"' \
    'dns_name = "other.example"' 'tls_www_client' 'signing_key' \
    "${good_dates[@]}"
issued leaf-cn-only ca

key leaf-wildcard
template leaf-wildcard 'cn = "Wildcard device"' \
    'dns_name = "*._device.example"' 'tls_www_client' 'signing_key' \
    "${good_dates[@]}"
issued leaf-wildcard ca

# Leaves under the intermediate, the impostor and the non-CA signer.
for issuer in intermediate impostor-ca not-ca; do
    key "leaf-by-$issuer"
    template "leaf-by-$issuer" 'cn = "device1.example"' \
        'dns_name = "device1.example"' 'tls_www_client' 'signing_key' \
        "${good_dates[@]}"
    issued "leaf-by-$issuer" "$issuer"
done

# A key of its own for raw public key cases.
key raw
spki raw
