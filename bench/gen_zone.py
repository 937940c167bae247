#!/usr/bin/env python3
"""Write a synthetic zone of N records to stdout, PERCENT of them TLSA.

Usage: gen_zone.py [N] [PERCENT]; defaults 1000000 and 10 (at most 10).

The zone mixes the owner-name forms of DANE client authentication
(device names under _device, service names, freeform names) with A,
AAAA, TXT and MX records, so readers and checkers see realistic data.
Output is deterministic for a given N.
"""
import hashlib
import sys


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    percent = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    # Each step writes ten records; every (10 / percent)th step makes its
    # tenth record a TLSA record, the others an A record.
    tlsa_every = max(1, round(10 / max(percent, 1)))

    out = sys.stdout
    out.write("$ORIGIN bench.example.\n$TTL 3600\n")
    out.write("@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n")
    out.write("@ IN NS ns1\nns1 IN A 192.0.2.1\n")
    written = 3

    i = 0
    while written < count:
        digest = hashlib.sha256(i.to_bytes(8, "big")).hexdigest()
        host = f"host{i}"
        out.write(f"{host} IN A 192.0.2.{i % 250 + 1}\n")
        out.write(f"{host} IN AAAA 2001:db8::{i % 65535:x}\n")
        out.write(f'{host} IN TXT "record {i}"\n')
        out.write(f"{host} IN MX 10 mail{i % 7}\n")
        out.write(f"{host} 300 IN A 192.0.2.{(i + 7) % 250 + 1}\n")
        out.write(f"{host} IN AAAA 2001:db8:1::{i % 65535:x}\n")
        out.write(f'{host} IN TXT "v=spf1 -all {i}"\n')
        out.write(f"www.{host} IN CNAME {host}\n")
        out.write(f"mail{i} IN A 192.0.2.{i % 200 + 2}\n")
        form = i % 3
        if i % tlsa_every != 0:
            out.write(f"extra{i} IN A 192.0.2.{i % 250 + 1}\n")
            written += 10
            i += 1
            continue
        if form == 0:
            owner = f"sensor{i}._device"
        elif form == 1:
            owner = f"_smtp-client.{host}"
        else:
            owner = f"client{i}"
        out.write(f"{owner} IN TLSA 3 1 1 {digest}\n")
        written += 10
        i += 1


if __name__ == "__main__":
    main()
