#!/usr/bin/env bash
# dance owner from the command line: the owner names and ClientNames of the
# draft's examples, the JSON and quiet forms, and every kind of usage error
# with its exit code and message.
set -euo pipefail

dance=${DANCE_BIN:?DANCE_BIN must name the dance binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

checks=0
failures=0

fail() {
    failures=$((failures + 1))
    printf 'FAIL %s: %s\n' "$1" "$2"
}

# ok NAME EXPECTED-STDOUT ARGS...: exit 0, exact output, nothing on stderr.
ok() {
    local name=$1 expected=$2
    shift 2
    checks=$((checks + 1))
    local status=0
    "$dance" owner "$@" >out 2>err || status=$?
    [ "$status" = 0 ] || fail "$name" "exit code $status ($(cat err))"
    [ "$(cat out)" = "$expected" ] ||
        fail "$name" "output '$(cat out)', expected '$expected'"
    [ ! -s err ] || fail "$name" "unexpected stderr: $(cat err)"
}

# usage NAME EXACT-STDERR ARGS...: exit 2, that error line, no output.
usage() {
    local name=$1 expected=$2
    shift 2
    checks=$((checks + 1))
    local status=0
    "$dance" owner "$@" >out 2>err || status=$?
    [ "$status" = 2 ] || fail "$name" "exit code $status, expected 2"
    [ "$(head -n 1 err)" = "$expected" ] ||
        fail "$name" "stderr '$(head -n 1 err)', expected '$expected'"
    [ ! -s out ] || fail "$name" "standard output is not empty: $(cat out)"
}

# json_field NAME KEY EXPECTED ARGS...: one field of the --json output.
json_field() {
    local name=$1 key=$2 expected=$3
    shift 3
    checks=$((checks + 1))
    local actual
    if ! "$dance" owner --json "$@" >out 2>err; then
        fail "$name" "exit code not 0 ($(cat err))"
        return
    fi
    actual=$(python3 -c 'import json, sys
value = json.load(open("out"))[sys.argv[1]]
print("null" if value is None else value)' "$key")
    [ "$actual" = "$expected" ] ||
        fail "$name" "$key is '$actual', expected '$expected'"
}

# The draft's examples.
ok "service form" "owner: _smtp-client.device1.example.com.
clientid: _smtp-client.device1.example.com" \
    --service smtp-client --client device1.example.com
ok "device form" "owner: sensor7._device.example.com.
clientid: sensor7._device.example.com" \
    --device sensor7 --org example.com
ok "freeform Unicode name" "owner: xn--bcher-kva.example.
clientid: xn--bcher-kva.example" --client bücher.example

# Normalisation and the other forms.
ok "service with underscore, case and dot" \
    "owner: _smtp-client.device1.example.com.
clientid: _smtp-client.device1.example.com" \
    --service _SMTP-client --client Device1.Example.COM.
ok "device with several labels" "owner: s7.floor2._device.example.com.
clientid: s7.floor2._device.example.com" \
    --device s7.floor2 --org example.com
ok "wildcard device" "owner: *._device.example.com.
clientid: none (a wildcard owner name covers many clients, and each sends its own name)" \
    --device '*' --org example.com
ok "server form" "owner: _443._tcp.www.example.com.
clientid: none (server owner names are not sent in dane_clientid)" \
    --port 443 --host www.example.com
ok "server form over udp" "owner: _853._udp.dns.example.
clientid: none (server owner names are not sent in dane_clientid)" \
    --port 853 --proto UDP --host dns.example
ok "quiet" "sensor7._device.example.com." \
    -q --device sensor7 --org example.com
ok "quiet long option" "_443._sctp.h.example." \
    --quiet --port 443 --proto sctp --host h.example

# JSON, with the extension bytes: length octet, then the ClientName.
json_field "json form" form device --device sensor7 --org example.com
json_field "json owner" owner "sensor7._device.example.com." \
    --device sensor7 --org example.com
json_field "json clientid" clientid "sensor7._device.example.com" \
    --device sensor7 --org example.com
json_field "json extension data" extension_data \
    "1b73656e736f72372e5f6465766963652e6578616d706c652e636f6d" \
    --device sensor7 --org example.com
json_field "json extension data of service form" extension_data \
    "205f736d74702d636c69656e742e646576696365312e6578616d706c652e636f6d" \
    --service smtp-client --client device1.example.com
json_field "json server clientid" clientid null --port 443 --host h.example
json_field "json server note" clientid_note \
    "server owner names are not sent in dane_clientid" \
    --port 443 --host h.example

# A custom service string is accepted with a warning.
checks=$((checks + 1))
"$dance" owner -q --service my_service --client c.example >out 2>err ||
    fail "custom service" "exit code not 0"
[ "$(cat out)" = "_my_service.c.example." ] ||
    fail "custom service" "output '$(cat out)'"
grep -qF 'dance: warning: service "my_service" is not an RFC 6335 service name because it has characters other than letters, digits and hyphens' err ||
    fail "custom service" "no RFC 6335 warning: $(cat err)"

# Missing and conflicting options.
usage "no form" "dance: error: no owner-name form given: use --service with --client, --device with --org, --client alone, or --port with --host (see 'dance owner --help')"
usage "service without client" \
    "dance: error: --service needs --client NAME: the owner name is _SERVICE.CLIENT" \
    --service smtp-client
usage "device without org" \
    "dance: error: --device needs --org NAME: the owner name is DEVICE._device.ORG" \
    --device sensor7
usage "org without device" "dance: error: --org goes with --device DEVICE" \
    --org example.com
usage "service and device" \
    "dance: error: give only one of --service, --device and --port: each selects a different owner-name form" \
    --service s --client c.example --device d --org o.example
usage "device with client" \
    "dance: error: --client does not go with --device: use --org for the organization's domain" \
    --device d --org o.example --client c.example
usage "port without host" \
    "dance: error: --port needs --host NAME: the owner name is _PORT._PROTO.HOST" \
    --port 443
usage "host without port" "dance: error: --host and --proto go with --port PORT" \
    --host h.example
usage "quiet with json" "dance: error: --json excludes --quiet" \
    -q --json --client c.example

# Values that break a rule name the label and the rule.
usage "space in client" \
    "dance: error: --client: invalid DNS name \"a b.example\": label \"a b\" contains a space: use only letters, digits, hyphens and underscores" \
    --client "a b.example"
usage "empty label" \
    "dance: error: --org: invalid DNS name \"example..com\": empty label after \"example\": remove the extra dot" \
    --device d --org example..com
usage "escape" \
    'dance: error: --client: invalid DNS name "a\065.example": label "a\065" contains a backslash: escapes such as \DDD are not accepted, use only letters, digits, hyphens and underscores' \
    --client 'a\065.example'
usage "wildcard org" \
    "dance: error: invalid organization name \"*.example\": a wildcard \"*\" may only be the leftmost label of the whole owner name" \
    --device d --org '*.example'
usage "service with dot" \
    "dance: error: invalid service \"smtp.client\": a service is one label and has no dot" \
    --service smtp.client --client c.example
usage "freeform with underscore" \
    "dance: error: invalid freeform client name \"_smtp.c.example\": label \"_smtp\" contains an underscore, which a certificate's dNSName cannot carry (RFC 5280): use the service or device form instead" \
    --client _smtp.c.example
usage "port zero" \
    "dance: error: invalid --port \"0\": use a port number from 1 to 65535" \
    --port 0 --host h.example
usage "port too large" \
    "dance: error: invalid --port \"65536\": use a port number from 1 to 65535" \
    --port 65536 --host h.example
usage "port not a number" \
    "dance: error: invalid --port \"https\": use a port number from 1 to 65535" \
    --port https --host h.example
usage "unknown proto" \
    "dance: error: invalid transport protocol \"quic\": use tcp, udp or sctp" \
    --port 443 --proto quic --host h.example
usage "label too long" \
    "dance: error: --client: invalid DNS name \"$(printf 'a%.0s' $(seq 60))...\": label \"$(printf 'a%.0s' $(seq 60))...\" is 64 octets long: a label may be at most 63 octets (RFC 1035)" \
    --client "$(printf 'a%.0s' $(seq 64)).example"

# Empty values used to drop the option: --service '' gave another form.
usage "empty service" \
    "dance: error: --service: empty value: give a value or leave the option out" \
    --service '' --client a.example

# An unknown subcommand is named, not reported as a missing one.
checks=$((checks + 1))
status=0
"$dance" bogus >out 2>err || status=$?
[ "$status" = 2 ] || fail "unknown subcommand" "exit code $status, expected 2"
[ "$(head -n 1 err)" = "dance: error: unknown subcommand \"bogus\": run 'dance --help' for the list" ] ||
    fail "unknown subcommand" "stderr '$(head -n 1 err)'"

printf '%d checks, %d failures\n' "$checks" "$failures"
[ "$failures" = 0 ]
