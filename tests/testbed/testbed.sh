#!/usr/bin/env bash
# Loopback DNSSEC test bed for the integration tests: NSD serves a private
# signed root ".", "test." and "dance.test." with children on 127.0.0.1,
# and Unbound validates against the private root key. Both listen on
# random high ports picked at start (retried when taken), so parallel test
# runs do not collide.
#
#   testbed.sh start DIR   make credentials, sign zones, start both servers
#   testbed.sh stop DIR    stop both servers by their pidfiles (DIR is kept)
#   testbed.sh env DIR     print DIR/testbed.env (KEY=VALUE, see write_env)
#   testbed.sh check DIR   ask Unbound (dig) for every test name
#
# DANCE_TESTBED_PKI: optional directory whose files (same names as in
# DIR/pki, see make_credentials) replace the generated ones.
#
# Works as root and as an ordinary user: no privileged port, no chroot, no
# user switch. Every server address is 127.0.0.1, Unbound's only upstream
# is NSD, and names outside the private tree get a signed NXDOMAIN from the
# private root, so no query leaves the machine.
set -euo pipefail

readonly ADDR=127.0.0.1
# DANCE_TESTBED_TLD replaces "test" as the private top-level domain. Tools
# built on libunbound, such as danetool, answer test. themselves as a
# local zone (RFC 6761) and never query it, so bench/verify.sh runs its
# danetool comparison under example. instead. Only the zones move; the
# certificates keep their dance.test names.
readonly TLD=${DANCE_TESTBED_TLD:-test}
readonly ZONE=dance.$TLD

log() { printf 'testbed: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

require_commands() {
    local command
    for command in nsd unbound ldns-keygen ldns-signzone certtool openssl \
        dig; do
        command -v "$command" >/dev/null 2>&1 ||
            die "$command not found: run scripts/install-deps.sh"
    done
}

# --- processes ------------------------------------------------------------

# kill -0 succeeds on a zombie, and an exited daemon stays a zombie until
# PID 1 reaps it (seen to take seconds in containers), so read the state
# letter from /proc. The comm field may contain spaces and ")" because NSD
# renames its processes, so cut after the last ")".
is_running() {
    local state
    state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) ||
        return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

stop_pidfile() {
    local pidfile=$1 name=$2 pid children process
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if [ -n "$pid" ] && is_running "$pid"; then
        # NSD forks a server and an xfrd process; wait for those as well.
        children=$(pgrep -P "$pid" 2>/dev/null || true)
        kill -TERM "$pid" 2>/dev/null || true
        for process in $pid $children; do
            for _ in $(seq 1 250); do
                is_running "$process" || break
                sleep 0.01
            done
            if is_running "$process"; then
                log "$name ($process) did not stop in 2.5 s, sending KILL"
                kill -KILL "$process" 2>/dev/null || true
            fi
        done
    fi
    rm -f "$pidfile"
}

# Prints two distinct random ports below Linux's default ephemeral range
# (32768-60999), so they rarely clash with client sockets. A port may
# still be in use; the server then fails to bind and start retries.
pick_ports() {
    local first=$((20000 + RANDOM % 12000)) second
    second=$((20000 + (first - 20000 + 1 + RANDOM % 11999) % 12000))
    echo "$first $second"
}

# Waits up to 3 s until a server on PORT returns NOERROR for ZONE SOA.
wait_for_answer() {
    local port=$1
    for _ in $(seq 1 60); do
        if dig @"$ADDR" -p "$port" +time=1 +tries=1 "$ZONE" SOA 2>/dev/null |
            grep -q 'status: NOERROR'; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# --- credentials ----------------------------------------------------------

new_key() {
    certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
        --outfile "$1" 2>/dev/null
}

# self_signed NAME TEMPLATE-LINES...
self_signed() {
    local name=$1
    shift
    printf '%s\n' "$@" >"$PKI/$name.tmpl"
    certtool --generate-self-signed --load-privkey "$PKI/$name.key" \
        --template "$PKI/$name.tmpl" --outfile "$PKI/$name.pem" 2>/dev/null
}

# issued_by_org NAME TEMPLATE-LINES...
issued_by_org() {
    local name=$1
    shift
    printf '%s\n' "$@" >"$PKI/$name.tmpl"
    certtool --generate-certificate --load-privkey "$PKI/$name.key" \
        --load-ca-certificate "$PKI/orgca.pem" \
        --load-ca-privkey "$PKI/orgca.key" \
        --template "$PKI/$name.tmpl" --outfile "$PKI/$name.pem" 2>/dev/null
}

# The credentials the records are made from. Each NAME has NAME.key and
# NAME.pem; the fixture never overwrites a file already present, so
# DANCE_TESTBED_PKI can supply any of them.
make_credentials() {
    mkdir -p "$PKI"
    if [ -n "${DANCE_TESTBED_PKI:-}" ]; then
        [ -d "$DANCE_TESTBED_PKI" ] ||
            die "DANCE_TESTBED_PKI=$DANCE_TESTBED_PKI is not a directory"
        cp "$DANCE_TESTBED_PKI"/*.key "$DANCE_TESTBED_PKI"/*.pem "$PKI"/ \
            2>/dev/null || true
    fi

    local name
    for name in client device other server orgca sensor nosan expired; do
        [ -f "$PKI/$name.key" ] || new_key "$PKI/$name.key"
    done

    local long=(signing_key "expiration_days = 3650")
    [ -f "$PKI/client.pem" ] || self_signed client 'cn = "device1.dance.test"' \
        'dns_name = "device1.dance.test"' tls_www_client "${long[@]}"
    [ -f "$PKI/device.pem" ] || self_signed device \
        'cn = "device1._device.dance.test"' \
        'dns_name = "device1._device.dance.test"' tls_www_client "${long[@]}"
    [ -f "$PKI/other.pem" ] || self_signed other 'cn = "other.dance.test"' \
        'dns_name = "other.dance.test"' tls_www_client "${long[@]}"
    [ -f "$PKI/server.pem" ] || self_signed server 'cn = "server.dance.test"' \
        'dns_name = "server.dance.test"' tls_www_server "${long[@]}"
    [ -f "$PKI/orgca.pem" ] || self_signed orgca 'cn = "Dance Test Org CA"' \
        ca cert_signing_key "expiration_days = 3650"
    [ -f "$PKI/sensor.pem" ] || issued_by_org sensor \
        'cn = "sensor7._device.dance.test"' \
        'dns_name = "sensor7._device.dance.test"' tls_www_client "${long[@]}"
    # Issued by the organisation CA, but for another name.
    [ -f "$PKI/nosan.pem" ] || issued_by_org nosan \
        'cn = "unrelated.dance.test"' 'dns_name = "unrelated.dance.test"' \
        tls_www_client "${long[@]}"
    [ -f "$PKI/expired.pem" ] || self_signed expired \
        'cn = "expired-leaf.dance.test"' \
        'dns_name = "expired-leaf.dance.test"' tls_www_client signing_key \
        'activation_date = "2020-01-01 00:00:00 UTC"' \
        'expiration_date = "2021-01-01 00:00:00 UTC"'

    for name in client device other server orgca sensor nosan expired; do
        openssl pkey -in "$PKI/$name.key" -pubout -out "$PKI/$name.spki.pem"
    done
}

# TLSA association data, computed with openssl alone so that the records
# do not depend on the code under test.
spki_digest() { # NAME sha256|sha512
    openssl pkey -in "$PKI/$1.key" -pubout -outform DER |
        openssl dgst "-$2" -r | cut -d' ' -f1
}
cert_digest() { # NAME sha256|sha512
    openssl x509 -in "$PKI/$1.pem" -outform DER |
        openssl dgst "-$2" -r | cut -d' ' -f1
}

# --- zones ----------------------------------------------------------------

soa() { # ORIGIN with trailing dot
    printf '$TTL 300\n@ IN SOA ns.%s hostmaster.%s 1 3600 600 86400 300\n' \
        "$1" "$1"
}

# sign_zone ORIGIN [INCEPTION EXPIRATION]: signs zones/ORIGIN (root for
# ".") into zones/ORIGIN.signed with one ECDSA P-256 key that has the SEP
# flag, writes ta/ORIGIN.ds and ta/ORIGIN.dnskey, and prints the DS
# RDATA for the parent. Inception is back-dated one hour because a
# validator without clock skew allowance (getdns 1.6.0 by default) treats
# a signature made in the current second as not yet valid.
sign_zone() {
    local origin=$1 base=${1:-root} key now
    now=$(date +%s)
    key=$(cd "$DIR/keys" && ldns-keygen -a ECDSAP256SHA256 -k "${origin:-.}")
    ldns-signzone -i "${2:-$((now - 3600))}" -e "${3:-$((now + 30 * 86400))}" \
        -f "$DIR/zones/$base.signed" -o "${origin:-.}" "$DIR/zones/$base" \
        "$DIR/keys/$key"

    # ldns-keygen's .ds has no TTL column and its .key ends in a comment.
    awk 'NF { $1 = $1; print }' "$DIR/keys/$key.ds" >"$DIR/ta/$base.ds"
    sed 's/;.*$//' "$DIR/keys/$key.key" | awk 'NF { $1 = $1; print }' \
        >"$DIR/ta/$base.dnskey"
    awk '{ for (i = 1; i <= NF; i++) if ($i == "DS") {
             out = $i; for (j = i + 1; j <= NF; j++) out = out " " $j
             print out; exit } }' "$DIR/keys/$key.ds"
}

# Flips the last hex digit of the signed TLSA RDATA at OWNER, so that the
# RRSIG no longer matches.
tamper_record() { # FILE OWNER
    awk -v owner="$2" '
        $1 == owner && $4 == "TLSA" {
            last = substr($NF, length($NF), 1)
            $NF = substr($NF, 1, length($NF) - 1) (last == "0" ? "1" : "0")
        }
        { print }' "$1" >"$1.tmp"
    mv "$1.tmp" "$1"
    grep -q "^$2" "$1" || die "tamper_record: $2 not found in $1"
}

write_zones() {
    mkdir -p "$DIR/zones" "$DIR/keys" "$DIR/ta"
    rm -f "$DIR"/zones/* "$DIR"/keys/* "$DIR"/ta/*

    local client device other server orgca expired client512 other512
    client=$(spki_digest client sha256)
    client512=$(spki_digest client sha512)
    device=$(spki_digest device sha256)
    other=$(spki_digest other sha256)
    other512=$(spki_digest other sha512)
    server=$(spki_digest server sha256)
    orgca=$(cert_digest orgca sha256)
    expired=$(cert_digest expired sha256)
    for digest in "$client" "$device" "$other" "$server" "$orgca" \
        "$expired"; do
        [ ${#digest} -eq 64 ] || die "could not compute a TLSA digest"
    done
    [ ${#other512} -eq 128 ] || die "could not compute a SHA-512 digest"
    echo "$client512" >"$PKI/client.spki.sha512"

    # expired.dance.test: signed, but every signature expired in 2020.
    { soa "expired.$ZONE."; cat <<EOF
@ IN NS ns.$ZONE.
_smtp-client.device3 IN TLSA 3 1 1 $client
EOF
    } >"$DIR/zones/expired.$ZONE"
    local ds_expired
    ds_expired=$(sign_zone "expired.$ZONE" 20200101000000 20200201000000)

    # insecure.dance.test: unsigned, and no DS in the parent.
    { soa "insecure.$ZONE."; cat <<EOF
@ IN NS ns.$ZONE.
_smtp-client.device2 IN TLSA 3 1 1 $client
EOF
    } >"$DIR/zones/insecure.$ZONE"

    { soa "$ZONE."; cat <<EOF
@ IN NS ns
ns IN A $ADDR
; the three client name conventions, each matching its credential
_smtp-client.device1 IN TLSA 3 1 1 $client
device1._device IN TLSA 3 1 1 $device
device1 IN TLSA 3 1 1 $client
device1 IN A $ADDR
; a record for another key
_smtp-client.wrongkey IN TLSA 3 1 1 $other
; organisation CA for every device without a record of its own
*._device IN TLSA 2 0 1 $orgca
; aliases: inside this zone, through a DNAME, into the unsigned child,
; and a chain of ten links
_smtp-client.alias IN CNAME _smtp-client.device1
dname IN DNAME device1
_smtp-client.alias-insecure IN CNAME _smtp-client.device2.insecure
_smtp-client.chain1 IN CNAME _smtp-client.chain2
_smtp-client.chain2 IN CNAME _smtp-client.chain3
_smtp-client.chain3 IN CNAME _smtp-client.chain4
_smtp-client.chain4 IN CNAME _smtp-client.chain5
_smtp-client.chain5 IN CNAME _smtp-client.chain6
_smtp-client.chain6 IN CNAME _smtp-client.chain7
_smtp-client.chain7 IN CNAME _smtp-client.chain8
_smtp-client.chain8 IN CNAME _smtp-client.chain9
_smtp-client.chain9 IN CNAME _smtp-client.chain10
_smtp-client.chain10 IN CNAME _smtp-client.device1
; changed after signing
_smtp-client.tampered IN TLSA 3 1 1 $client
; the name exists, with no TLSA
_smtp-client.nodata IN TXT "no TLSA here"
; SHA2-512 of another key next to SHA2-256 of the client key
_smtp-client.agility IN TLSA 3 1 1 $client
_smtp-client.agility IN TLSA 3 1 2 $other512
; usage 4 is unassigned
_smtp-client.unknown-usage IN TLSA 4 1 1 $client
; DANE-EE, full certificate, of a certificate that expired in 2021
_smtp-client.expired-leaf IN TLSA 3 0 1 $expired
; a server, RFC 6698 owner form
_443._tcp.server IN TLSA 3 1 1 $server
server IN A $ADDR
; delegations: unsigned, and signed with expired signatures
insecure IN NS ns
expired IN NS ns
expired IN $ds_expired
EOF
    } >"$DIR/zones/$ZONE"

    # Bulk names for bench/verify.sh: DANCE_TESTBED_BULK=N adds
    # _smtp-client.bulk1 to bulkN, each with the client key's record.
    local bulk
    for ((bulk = 1; bulk <= ${DANCE_TESTBED_BULK:-0}; bulk++)); do
        printf '_smtp-client.bulk%d IN TLSA 3 1 1 %s\n' "$bulk" "$client"
    done >>"$DIR/zones/$ZONE"

    local ds_zone
    ds_zone=$(sign_zone "$ZONE")
    tamper_record "$DIR/zones/$ZONE.signed" "_smtp-client.tampered.$ZONE."

    { soa "$TLD."; cat <<EOF
@ IN NS ns
ns IN A $ADDR
dance IN NS ns.dance
ns.dance IN A $ADDR
dance IN $ds_zone
EOF
    } >"$DIR/zones/$TLD"
    local ds_test
    ds_test=$(sign_zone "$TLD")

    { soa "$TLD."; cat <<EOF
@ IN NS ns.$TLD.
$TLD. IN NS ns.$TLD.
ns.$TLD. IN A $ADDR
$TLD. IN $ds_test
EOF
    } >"$DIR/zones/root"
    sign_zone "" >/dev/null
}

# --- servers --------------------------------------------------------------

write_nsd_conf() {
    cat >"$DIR/nsd.conf" <<EOF
server:
    ip-address: $ADDR@$AUTH_PORT
    port: $AUTH_PORT
    do-ip4: yes
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$DIR/zones"
    database: ""
    zonelistfile: "$DIR/run/nsd.zonelist"
    xfrdfile: "$DIR/run/nsd.xfrd.state"
    xfrdir: "$DIR/run"
    pidfile: "$DIR/run/nsd.pid"
    logfile: "$DIR/log/nsd.log"
    server-count: 1
    verbosity: 1
    hide-version: yes
    # Debian's NSD limits responses per /24, then truncates or drops
    # replies; a validating client on loopback trips that within a
    # second. DANCE_TESTBED_RRL sets a rate to reproduce it.
    rrl-ratelimit: ${DANCE_TESTBED_RRL:-0}
    rrl-whitelist-ratelimit: ${DANCE_TESTBED_RRL:-0}
remote-control:
    control-enable: no
EOF
    local zone
    for zone in root "$TLD" "$ZONE" "insecure.$ZONE" "expired.$ZONE"; do
        local file=$zone.signed name=$zone
        [ "$zone" = root ] && name=.
        [ "$zone" = "insecure.$ZONE" ] && file=$zone
        printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n' "$name" "$file" \
            >>"$DIR/nsd.conf"
    done
}

write_unbound_conf() {
    cat >"$DIR/unbound.conf" <<EOF
server:
    interface: $ADDR
    port: $RESOLVER_PORT
    do-ip4: yes
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    username: ""
    chroot: ""
    directory: "$DIR/run"
    pidfile: "$DIR/run/unbound.pid"
    logfile: "$DIR/log/unbound.log"
    use-syslog: no
    verbosity: 1
    val-log-level: 2
    num-threads: 1
    log-queries: ${DANCE_TESTBED_LOG_QUERIES:-no}
    module-config: "validator iterator"
    # The private root key, as a real resolver has the IANA one.
    trust-anchor-file: "$DIR/ta/root.ds"
    trust-anchor-signaling: no
    root-key-sentinel: no
    qname-minimisation: no
    # Every upstream here is on loopback, which Unbound skips by default.
    do-not-query-localhost: no
    # Otherwise Unbound returns NXDOMAIN for test. itself (RFC 6761).
    local-zone: "$TLD." nodefault
remote-control:
    control-enable: no
EOF
    # A delegation cannot carry a port, so every zone cut, the root
    # included, is a stub zone; root hints are never used.
    local zone
    for zone in . "$TLD" "$ZONE" "insecure.$ZONE" "expired.$ZONE"; do
        printf 'stub-zone:\n    name: "%s"\n    stub-addr: %s@%s\n' \
            "$zone" "$ADDR" "$AUTH_PORT" >>"$DIR/unbound.conf"
    done
}

write_env() {
    cat >"$DIR/testbed.env.tmp" <<EOF
DANCE_TESTBED_DIR=$DIR
DANCE_ZONE=$ZONE
DANCE_AUTH_ADDR=$ADDR
DANCE_AUTH_PORT=$AUTH_PORT
DANCE_AUTH_UPSTREAM=$ADDR:$AUTH_PORT
DANCE_RESOLVER_ADDR=$ADDR
DANCE_RESOLVER_PORT=$RESOLVER_PORT
DANCE_RESOLVER_UPSTREAM=$ADDR:$RESOLVER_PORT
DANCE_TA_ROOT_DS=$DIR/ta/root.ds
DANCE_TA_ROOT_DNSKEY=$DIR/ta/root.dnskey
DANCE_TA_ZONE_DS=$DIR/ta/$ZONE.ds
DANCE_TA_ZONE_DNSKEY=$DIR/ta/$ZONE.dnskey
DANCE_PKI_DIR=$PKI
DANCE_CLIENT_KEY=$PKI/client.key
DANCE_CLIENT_CERT=$PKI/client.pem
DANCE_CLIENT_SPKI=$PKI/client.spki.pem
DANCE_DEVICE_KEY=$PKI/device.key
DANCE_DEVICE_CERT=$PKI/device.pem
DANCE_OTHER_KEY=$PKI/other.key
DANCE_OTHER_CERT=$PKI/other.pem
DANCE_SERVER_KEY=$PKI/server.key
DANCE_SERVER_CERT=$PKI/server.pem
DANCE_ORG_CA_KEY=$PKI/orgca.key
DANCE_ORG_CA_CERT=$PKI/orgca.pem
DANCE_SENSOR_KEY=$PKI/sensor.key
DANCE_SENSOR_CERT=$PKI/sensor.pem
DANCE_NOSAN_KEY=$PKI/nosan.key
DANCE_NOSAN_CERT=$PKI/nosan.pem
DANCE_EXPIRED_KEY=$PKI/expired.key
DANCE_EXPIRED_CERT=$PKI/expired.pem
DANCE_NAME_SERVICE=_smtp-client.device1.$ZONE
DANCE_NAME_DEVICE=device1._device.$ZONE
DANCE_NAME_FREEFORM=device1.$ZONE
DANCE_NAME_MISMATCH=_smtp-client.wrongkey.$ZONE
DANCE_NAME_WILDCARD=sensor7._device.$ZONE
DANCE_NAME_WILDCARD_NOSAN=unlisted._device.$ZONE
DANCE_NAME_CNAME=_smtp-client.alias.$ZONE
DANCE_NAME_DNAME=_smtp-client.dname.$ZONE
DANCE_NAME_CNAME_INSECURE=_smtp-client.alias-insecure.$ZONE
DANCE_NAME_CNAME_CHAIN=_smtp-client.chain1.$ZONE
DANCE_NAME_INSECURE=_smtp-client.device2.insecure.$ZONE
DANCE_NAME_TAMPERED=_smtp-client.tampered.$ZONE
DANCE_NAME_EXPIRED_SIGNATURES=_smtp-client.device3.expired.$ZONE
DANCE_NAME_NXDOMAIN=_smtp-client.nosuch.$ZONE
DANCE_NAME_NODATA=_smtp-client.nodata.$ZONE
DANCE_NAME_AGILITY=_smtp-client.agility.$ZONE
DANCE_NAME_UNKNOWN_USAGE=_smtp-client.unknown-usage.$ZONE
DANCE_NAME_EXPIRED_LEAF=_smtp-client.expired-leaf.$ZONE
DANCE_NAME_SERVER=_443._tcp.server.$ZONE
EOF
    mv "$DIR/testbed.env.tmp" "$DIR/testbed.env"
}

# Starts NSD, then Unbound. Returns 1 when a server fails to start, most
# likely because its port is taken, so the caller can retry.
start_servers() {
    rm -f "$DIR"/log/*.log
    nsd -c "$DIR/nsd.conf" 2>>"$DIR/log/start.log" || return 1
    if ! wait_for_answer "$AUTH_PORT"; then
        stop_pidfile "$DIR/run/nsd.pid" nsd
        return 1
    fi
    if ! unbound -c "$DIR/unbound.conf" 2>>"$DIR/log/start.log" ||
        ! wait_for_answer "$RESOLVER_PORT"; then
        stop_pidfile "$DIR/run/unbound.pid" unbound
        stop_pidfile "$DIR/run/nsd.pid" nsd
        return 1
    fi
}

do_start() {
    require_commands
    if [ -f "$DIR/run/nsd.pid" ] || [ -f "$DIR/run/unbound.pid" ]; then
        die "a test bed is already running in $DIR: run '$0 stop $DIR'"
    fi
    mkdir -p "$DIR/run" "$DIR/log"
    make_credentials
    write_zones

    local attempt
    for attempt in 1 2 3 4 5; do
        read -r AUTH_PORT RESOLVER_PORT < <(pick_ports)
        write_nsd_conf
        write_unbound_conf
        if start_servers; then
            write_env
            log "NSD on $ADDR:$AUTH_PORT, Unbound on $ADDR:$RESOLVER_PORT"
            return 0
        fi
        log "attempt $attempt: a server did not start, retrying"
    done
    cat "$DIR"/log/*.log >&2 2>/dev/null || true
    die "NSD or Unbound did not start; logs are in $DIR/log"
}

do_stop() {
    stop_pidfile "$DIR/run/unbound.pid" unbound
    stop_pidfile "$DIR/run/nsd.pid" nsd
}

# Prints what Unbound returns for each name: rcode, plus "+ad" when the
# answer was validated secure.
do_check() {
    # shellcheck disable=SC1091
    . "$DIR/testbed.env"
    local name
    for name in $(grep '^DANCE_NAME_' "$DIR/testbed.env" | cut -d= -f2); do
        dig @"$ADDR" -p "$DANCE_RESOLVER_PORT" +dnssec +time=2 +tries=1 \
            "$name" TLSA 2>/dev/null | awk -v name="$name" '
            /status:/ { status = $6; sub(/,/, "", status) }
            /^;; flags:/ { ad = ($0 ~ / ad[ ;]/) ? "+ad" : "" }
            END { print name, status ad }'
    done
}

usage() {
    echo "usage: $0 start|stop|env|check DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
DIR=$(mkdir -p "$2" && cd "$2" && pwd)
PKI=$DIR/pki
AUTH_PORT=
RESOLVER_PORT=
case "$1" in
start) do_start ;;
stop) do_stop ;;
env) cat "$DIR/testbed.env" ;;
check) do_check ;;
*) usage ;;
esac
