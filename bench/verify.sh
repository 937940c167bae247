#!/usr/bin/env bash
# Benchmarks dance verify on the loopback DNSSEC test bed:
#   1. one verification as a whole process, dance verify against
#      danetool --check on a server-style name (_443._tcp.server) in the
#      same zone, through the same validating resolver;
#   2. 1,000 names in one --batch run against 1,000 sequential runs;
#   3. the batch against the time the resolver stack alone needs for the
#      same 1,000 validated lookups.
#
#   bench/verify.sh [BUILD_DIR]      (default: build; run as root)
#
# Everything runs inside a private network and mount namespace (unshare
# -m -n), so no query can leave the machine. Fair setup for danetool:
# libdane resolves through libunbound, which reads /etc/resolv.conf (port
# 53 only) and the root key at /usr/share/dns/root.key, and resolves test.
# itself as an RFC 6761 local zone. So the test bed is started under
# example. (DANCE_TESTBED_TLD), a copy of its Unbound listens on
# 127.0.0.1:53, and a resolv.conf naming it and the test bed's root DS are
# bind-mounted over those two files inside the namespace. Both tools then
# query that Unbound and validate against the same root key themselves.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
[ -d "$build" ] || build=$root/$build
dance=$(cd "$build" && pwd)/tools/dance
[ -x "$dance" ] || { echo "bench/verify.sh: $dance not found: build first" >&2; exit 1; }

if [ -z "${DANCE_BENCH_NAMESPACE:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "bench/verify.sh: run as root (unshare -m -n)" >&2; exit 1; }
    exec unshare -m -n env DANCE_BENCH_NAMESPACE=1 "$0" "$@"
fi

for tool in hyperfine danetool getdns_query dig jq cc; do
    command -v "$tool" >/dev/null || { echo "bench/verify.sh: $tool not found: run scripts/install-deps.sh" >&2; exit 1; }
done

ip link set lo up
names=1000
work=$(mktemp -d)
testbed=$root/tests/testbed/testbed.sh
cleanup() {
    [ -f "$work/run/unbound53.pid" ] && kill "$(cat "$work/run/unbound53.pid")" 2>/dev/null
    "$testbed" stop "$work/bed" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

DANCE_TESTBED_TLD=example DANCE_TESTBED_BULK=$names \
    "$testbed" start "$work/bed" >/dev/null 2>&1
# shellcheck disable=SC1091
. "$work/bed/testbed.env"

# A second Unbound with the same configuration on port 53, for libunbound.
mkdir -p "$work/run"
sed -e "s/port: $DANCE_RESOLVER_PORT/port: 53/" \
    -e "s|pidfile: .*|pidfile: \"$work/run/unbound53.pid\"|" \
    -e "s|logfile: .*|logfile: \"$work/run/unbound53.log\"|" \
    "$DANCE_TESTBED_DIR/unbound.conf" >"$work/unbound53.conf"
unbound -c "$work/unbound53.conf"
echo "nameserver 127.0.0.1" >"$work/resolv.conf"
mount --bind "$work/resolv.conf" /etc/resolv.conf
mount --bind "$DANCE_TA_ROOT_DS" /usr/share/dns/root.key
for _ in $(seq 1 50); do
    dig @127.0.0.1 +time=1 +tries=1 "$DANCE_ZONE" SOA | grep -q NOERROR && break
    sleep 0.1
done

resolver=(--resolver 127.0.0.1 --trust-anchor "$DANCE_TA_ROOT_DS")
server_name=_443._tcp.server.$DANCE_ZONE

echo "== machine"
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "== 1. one verification as a whole process"
"$dance" verify --name "$server_name" --cert "$DANCE_SERVER_CERT" \
    "${resolver[@]}" | head -1
danetool --check "server.$DANCE_ZONE" --port 443 --proto tcp \
    --load-certificate "$DANCE_SERVER_CERT" --local-dns --quiet
hyperfine -N --warmup 10 --runs 200 \
    "$dance verify --name $server_name --cert $DANCE_SERVER_CERT ${resolver[*]}" \
    "danetool --check server.$DANCE_ZONE --port 443 --proto tcp --load-certificate $DANCE_SERVER_CERT --local-dns --quiet"

# The same validated lookup through getdns alone, over TCP as dance sends
# it and over UDP. Its TCP wall time includes delayed-ACK stalls that
# dance's event loop avoids, so compare its user and system CPU.
cc -O2 -o "$work/getdns_lookup" "$root/bench/getdns_lookup.c" -lgetdns
"$work/getdns_lookup" 53 "$DANCE_TA_ROOT_DS" "$server_name" tcp
hyperfine -N --warmup 10 --runs 200 \
    "$work/getdns_lookup 53 $DANCE_TA_ROOT_DS $server_name tcp" \
    "$work/getdns_lookup 53 $DANCE_TA_ROOT_DS $server_name udp"

echo
echo "== 2. $names names: one batch against sequential runs"
for i in $(seq 1 "$names"); do
    echo "_smtp-client.bulk$i.$DANCE_ZONE,$DANCE_CLIENT_CERT"
done >"$work/batch.csv"
"$dance" verify --batch "$work/batch.csv" "${resolver[@]}" >"$work/batch.out"
echo "batch verdicts: $(jq -r .reason "$work/batch.out" | sort | uniq -c | xargs)"

cat >"$work/sequential.sh" <<EOF
while IFS=, read -r name cert; do
    "$dance" verify --name "\$name" --cert "\$cert" ${resolver[*]} >/dev/null
done <"$work/batch.csv"
EOF
hyperfine -N --warmup 1 --runs 5 \
    "$dance verify --batch $work/batch.csv ${resolver[*]} --max-in-flight 32" \
    "$dance verify --batch $work/batch.csv ${resolver[*]} --max-in-flight 32 --threads 1"
hyperfine --runs 2 "bash $work/sequential.sh"

echo
echo "== 3. the resolver stack alone, the same $names validated lookups"
for i in $(seq 1 "$names"); do
    echo "_smtp-client.bulk$i.$DANCE_ZONE TLSA"
done >"$work/queries.txt"
getdns_query -s @127.0.0.1 -f "$DANCE_TA_ROOT_DS" -F "$work/queries.txt" \
    +dnssec_return_status -j >"$work/getdns.out"
echo "getdns_query secure answers: $(grep -o '"dnssec_status":400' "$work/getdns.out" | wc -l)"
hyperfine -N --warmup 1 --runs 5 \
    "getdns_query -s @127.0.0.1 -f $DANCE_TA_ROOT_DS -F $work/queries.txt +dnssec_return_status -j" \
    "dig @127.0.0.1 +dnssec -f $work/queries.txt"
