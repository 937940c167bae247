#!/usr/bin/env bash
# dance probe against stock openssl s_server on loopback: one that does
# not know dane_clientid, and one that requests it through -serverinfo
# without implementing it.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tls_lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dance-probe-openssl.XXXXXX")
trap 'stop_all_servers; rm -rf "$work"' EXIT

for name in server client; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$work/$name.key" -out "$work/$name.pem" -days 30 \
        -subj "/CN=$name.example" 2>/dev/null ||
        { echo "cannot make a test certificate" >&2; exit 1; }
done

# SERVERINFOV2: context 0x5020 (TLS 1.3 CertificateRequest and
# Certificate), extension 0xff5a with extension_data 00.
python3 - "$work/serverinfo.pem" <<'PY'
import base64, sys
data = bytes([0, 0, 0x50, 0x20, 0xff, 0x5a, 0, 1, 0])
with open(sys.argv[1], "w") as out:
    out.write("-----BEGIN SERVERINFOV2 FOR dane_clientid-----\n")
    out.write(base64.b64encode(data).decode() + "\n")
    out.write("-----END SERVERINFOV2 FOR dane_clientid-----\n")
PY

# s_server NAME EXTRA-ARGS...: starts openssl s_server, sets port_NAME.
s_server() {
    local name=$1
    shift
    local port
    port=$(free_port)
    start_server "$work/$name.log" openssl s_server \
        -accept "127.0.0.1:$port" -cert "$work/server.pem" \
        -key "$work/server.key" -tls1_3 -verify 1 -quiet "$@"
    wait_for_listen "$port" ||
        fail "$name: openssl s_server did not start"
    printf -v "port_$name" '%s' "$port"
}

s_server stock
s_server asking -serverinfo "$work/serverinfo.pem"
client=(--cert "$work/client.pem" --key "$work/client.key"
    --name device1.example --timeout 10)

"$DANCE_BIN" probe "127.0.0.1:$port_stock" "${client[@]}" \
    >"$work/stock.out" 2>&1
expect_exit "stock s_server is without DANCE" 5 $?
expect_text stock "$work/stock.out" \
    "certificate request: without dane_clientid"
expect_text stock "$work/stock.out" "dane_clientid sent: no"

"$DANCE_BIN" probe "127.0.0.1:$port_asking" "${client[@]}" \
    >"$work/asking.out" 2>&1
expect_exit "s_server -serverinfo rejects the name" 1 $?
expect_text asking "$work/asking.out" \
    "certificate request: with dane_clientid, extension_data 00"
expect_text asking "$work/asking.out" \
    "dane_clientid sent: extension_data 0f646576696365312e6578616d706c65"
expect_text asking "$work/asking.out" "alert decode_error (50)"

# STARTTLS: each protocol's exchange, then a handshake with a server
# that requests a client certificate but not dane_clientid.
for protocol in smtp imap pop3 xmpp; do
    port=$(free_port)
    start_server "$work/starttls-$protocol.log" python3 \
        "$here/starttls_server.py" "$protocol" "$port" \
        "$work/server.pem" "$work/server.key" "$work/client.pem"
    wait_for_listen "$port" || fail "$protocol: test server did not start"
    "$DANCE_BIN" probe "127.0.0.1:$port" --starttls "$protocol" \
        "${client[@]}" >"$work/starttls-$protocol.out" 2>&1
    expect_exit "STARTTLS $protocol server is without DANCE" 5 $?
    expect_text "STARTTLS $protocol" "$work/starttls-$protocol.out" \
        "certificate request: without dane_clientid"
done

# Nothing listens on a freshly closed port: a network failure, exit 4.
closed=$(free_port)
"$DANCE_BIN" probe "127.0.0.1:$closed" "${client[@]}" \
    >"$work/closed.out" 2>&1
expect_exit "closed port is a network failure" 4 $?
expect_text closed "$work/closed.out" "Connection refused"

"$DANCE_BIN" probe "127.0.0.1:$port_stock" --name "bad..name" \
    >"$work/usage.out" 2>&1
expect_exit "invalid --name is a usage error" 2 $?

"$DANCE_BIN" probe "127.0.0.1:$port_stock" --cert "$work/missing.pem" \
    --key "$work/client.key" >"$work/input.out" 2>&1
expect_exit "missing certificate file is an input error" 3 $?
expect_text input "$work/input.out" "missing.pem"

# An encrypted key fails with a clear message instead of a pass phrase
# prompt, in probe and in serve, which share the loader.
openssl pkey -in "$work/client.key" -aes256 -passout pass:secret \
    -out "$work/encrypted.key"
encrypted="the key is encrypted: decrypt it with 'openssl pkey"
timeout 10 "$DANCE_BIN" probe "127.0.0.1:$closed" --cert "$work/client.pem" \
    --key "$work/encrypted.key" </dev/null >"$work/encrypted.out" 2>&1
expect_exit "probe with an encrypted key is an input error" 3 $?
expect_text encrypted "$work/encrypted.out" "$encrypted"
timeout 10 "$DANCE_BIN" serve --resolver 127.0.0.1:1 \
    --listen "127.0.0.1:$closed" --cert "$work/server.pem" \
    --key "$work/encrypted.key" </dev/null >"$work/encrypted.out" 2>&1
expect_exit "serve with an encrypted key is an input error" 3 $?
expect_text encrypted "$work/encrypted.out" "$encrypted"

# RFC 5321: EHLO takes one name. CR LF in it would add SMTP commands.
"$DANCE_BIN" probe "127.0.0.1:$closed" --starttls smtp \
    --ehlo $'a\r\nMAIL FROM:<x>' >"$work/ehlo.out" 2>&1
expect_exit "--ehlo with CR LF is a usage error" 2 $?
expect_text ehlo "$work/ehlo.out" \
    'MAIL FROM:<x>": give one domain name or address literal'

# A ClientName is never a wildcard, so a wildcard suffix allows no one.
timeout 10 "$DANCE_BIN" serve --resolver 127.0.0.1:1 \
    --listen "127.0.0.1:$closed" --cert "$work/server.pem" \
    --key "$work/server.key" --allow '*.example' >"$work/allow.out" 2>&1
expect_exit "serve --allow with a wildcard is a usage error" 2 $?
expect_text allow "$work/allow.out" \
    "invalid --allow '\*.example': a suffix is a plain domain"
finish
