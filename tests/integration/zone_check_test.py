#!/usr/bin/env python3
"""dance zone-check end to end: zones signed at test time with ldns-signzone,
certificates made with openssl, output formats parsed back, exit codes.

Each check prints "ok NAME" or "FAIL NAME: detail"; the script exits 1 when
any check failed. Needs ldns-keygen, ldns-signzone and openssl.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

DANCE = os.environ.get("DANCE_BIN", "build/tools/dance")
NOW = "2026-12-01"
FAILED = []


def check(name, condition, detail=""):
    if condition:
        print("ok", name)
    else:
        print("FAIL", name + ":", detail)
        FAILED.append(name)


def run(*args, cwd=None, stdin=None):
    result = subprocess.run([DANCE, "zone-check", *args], cwd=cwd,
                            input=stdin, capture_output=True, text=True)
    return result.returncode, result.stdout, result.stderr


def findings(stdout):
    return [line for line in stdout.splitlines() if line]


def line_of(path, pattern):
    with open(path) as zone:
        for number, text in enumerate(zone, 1):
            if re.search(pattern, text):
                return number
    raise AssertionError(f"{pattern} not in {path}")


HEX_A = "a" * 64
HEX_B = "b" * 64
ZONE = f"""$ORIGIN example.
$TTL 300
@ IN SOA ns1 hostmaster 1 7200 900 1209600 300
@ IN NS ns1
ns1 IN A 192.0.2.1
good._device IN TLSA 3 1 1 {HEX_A}
broken._device IN TLSA 3 1 1 {HEX_B}
*._device IN TLSA 2 0 1 {HEX_A}
"""


def sign(workdir, name, algorithm, inception, expiration):
    zone = os.path.join(workdir, name + ".zone")
    with open(zone, "w") as out:
        out.write(ZONE)
    keys = []
    for flags in (["-k"], []):
        keys.append(subprocess.run(
            ["ldns-keygen", "-a", algorithm, *flags, "example."], cwd=workdir,
            capture_output=True, text=True, check=True).stdout.strip())
    signed = os.path.join(workdir, name + ".signed")
    subprocess.run(["ldns-signzone", "-i", inception, "-e", expiration,
                    "-f", signed, zone, *keys], cwd=workdir, check=True)
    for key in keys:
        for suffix in (".key", ".private", ".ds"):
            path = os.path.join(workdir, key + suffix)
            if os.path.exists(path):
                os.remove(path)
    return signed


def rewrite(source, target, old, new):
    with open(source) as zone:
        text = zone.read()
    with open(target, "w") as out:
        out.write(text.replace(old, new))
    return target


def run_signed(zone, now=NOW):
    """Runs zone-check on a signed fixture; the wildcard DANE-TA record's
    underscore-owner notice is not what these cases test."""
    return run("--now", now, "--suppress", "pkix-usage-underscore-owner",
               zone)


def test_signed_zones(workdir):
    good = sign(workdir, "good", "ECDSAP256SHA256", "20261101000000",
                "20270131000000")

    status, out, err = run_signed(good)
    check("signed zone verifies clean", status == 0 and out == "",
          f"status {status} out {out!r} err {err!r}")

    rsa = sign(workdir, "rsa", "RSASHA256", "20261101000000",
               "20270131000000")

    status, out, _ = run_signed(rsa)
    check("RSASHA256 signatures verify", status == 0 and out == "", out)

    expiring = sign(workdir, "expiring", "ECDSAP256SHA256", "20261101000000",
                    "20261204000000")

    status, out, _ = run_signed(expiring)
    lines = sorted(line_of(expiring, owner + r"\._device.*RRSIG\s+TLSA")
                   for owner in (r"^broken", r"^good", r"^\*"))
    expected = [
        f"{expiring}:{line}: warning: [dnssec-signature-expiring] RRSIG "
        "expires at 2026-12-04T00:00:00Z, within 7 days: re-sign the zone "
        "before then" for line in lines]
    check("expiring signatures warn", findings(out) == expected,
          f"{findings(out)} != {expected}")
    check("warnings pass the default threshold", status == 0, status)

    status, out, _ = run_signed(expiring, now="2026-12-05")
    expected = [
        f"{expiring}:{line}: error: [dnssec-signature-expired] RRSIG "
        "expired at 2026-12-04T00:00:00Z; validators reject the RRset until "
        "it is re-signed" for line in lines]
    check("expired signatures fail", findings(out) == expected and
          status == 1, f"{status} {findings(out)}")

    broken = rewrite(good, os.path.join(workdir, "broken.signed"),
                     HEX_B, "c" * 64)

    status, out, _ = run_signed(broken)
    line = line_of(broken, r"^broken\._device.*RRSIG\s+TLSA")
    got = findings(out)
    check("RDATA changed after signing is caught",
          len(got) == 1 and got[0].startswith(
              f"{broken}:{line}: error: [dnssec-signature-invalid] RRSIG "
              "(key tag ") and got[0].endswith(
              "does not verify over the TLSA RRset: the records changed "
              "after signing, or the signature is corrupt; re-sign the "
              "zone") and status == 1, f"{status} {got}")

    unsigned_owner = os.path.join(workdir, "added.signed")
    shutil.copy(good, unsigned_owner)
    with open(unsigned_owner, "a") as out_file:
        out_file.write(f"late._device.example. 300 IN TLSA 3 1 1 {HEX_A}\n")

    status, out, _ = run_signed(unsigned_owner)
    line = line_of(unsigned_owner, r"^late\._device")
    check("TLSA added after signing has no RRSIG",
          findings(out) == [
              f"{unsigned_owner}:{line}: error: [dnssec-rrsig-missing] TLSA "
              "RRset at late._device.example. has no RRSIG in a signed zone: "
              "re-sign the zone after adding the records"], out)

    with open(good) as zone:
        keyless = [text for text in zone if "\tDNSKEY\t" not in text]
    no_keys = os.path.join(workdir, "nokeys.signed")
    with open(no_keys, "w") as out_file:
        out_file.writelines(keyless)

    status, out, _ = run_signed(no_keys)
    got = findings(out)
    check("RRSIG without a zone DNSKEY",
          len(got) == 3 and all("[dnssec-dnskey-missing]" in g for g in got),
          got)


def key_tag(rdata):
    """RFC 4034 appendix B."""
    total = 0
    for index, octet in enumerate(rdata):
        total += octet if index & 1 else octet << 8
    total += (total >> 16) & 0xFFFF
    return total & 0xFFFF


def with_private_algorithm(signed, target):
    """Moves the zone-signing key and its TLSA signatures to algorithm 253
    (PRIVATEDNS), which no verifier supports, fixing up the key tags."""
    import base64
    import struct
    with open(signed) as zone:
        lines = zone.read().splitlines()
    old_tag = new_tag = None
    for number, text in enumerate(lines):
        fields = text.split()
        if fields[3] == "DNSKEY" and fields[4] == "256":
            key = base64.b64decode(fields[7])
            old_tag = key_tag(struct.pack("!HBB", 256, 3, 13) + key)
            new_tag = key_tag(struct.pack("!HBB", 256, 3, 253) + key)
            lines[number] = "\t".join(fields[:4] + ["256", "3", "253",
                                                     fields[7]])
    for number, text in enumerate(lines):
        fields = text.split()
        if fields[3] == "RRSIG" and fields[4] == "TLSA" and \
                fields[10] == str(old_tag):
            fields[5] = "253"
            fields[10] = str(new_tag)
            lines[number] = "\t".join(fields)
    with open(target, "w") as out:
        out.write("\n".join(lines) + "\n")
    return target


def test_unsupported_algorithm(workdir):
    good = sign(workdir, "private", "ECDSAP256SHA256", "20261101000000",
                "20270131000000")
    private = with_private_algorithm(
        good, os.path.join(workdir, "private-alg.signed"))

    status, out, _ = run_signed(private)
    got = findings(out)
    check("unsupported algorithm is a warning, not a failure",
          len(got) == 3 and status == 0 and
          all("[dnssec-algorithm-unsupported] RRSIG (key tag" in g and
              "algorithm 253" in g for g in got), got)


def test_formats(workdir):
    zone = os.path.join(os.environ.get("DANCE_SOURCE_ROOT", "."),
                        "tests/data/zones/rdata.zone")

    status, out, _ = run("--now", NOW, "--format", "sarif", zone)
    sarif = json.loads(out)
    results = sarif["runs"][0]["results"]
    check("SARIF parses as 2.1.0", sarif["version"] == "2.1.0" and
          len(results) == 9, len(results))
    first = results[1]["locations"][0]["physicalLocation"]
    check("SARIF result has file and line",
          first["artifactLocation"]["uri"].endswith("rdata.zone") and
          first["region"]["startLine"] == 3, first)

    status, out, _ = run("--now", NOW, "--format", "junit", "--fail-on",
                         "warning", zone)
    root = ElementTree.fromstring(out)
    suite = root.find("testsuite")
    failures = {case.get("name") for case in suite.iter("testcase")
                if case.find("failure") is not None}
    check("JUnit parses with failing checks",
          failures == {"tlsa-digest-length", "tlsa-full-unparseable",
                       "tlsa-unknown-parameter", "tlsa-rdata-syntax"} and
          suite.get("failures") == "4", failures)

    status, out, _ = run("--now", NOW, "--format", "github", zone)
    lines = findings(out)
    check("GitHub annotations", lines[1].startswith(
        "::error file=") and ",line=3,title=tlsa-digest-length::" in lines[1],
        lines[1])

    status, out, _ = run("--now", NOW, "--format", "json", zone)
    report = json.loads(out)
    check("JSON counts", report["counts"] == {
        "error": 7, "warning": 1, "notice": 1} and report["failed"], report)


def test_exit_codes(workdir):
    source = os.environ.get("DANCE_SOURCE_ROOT", ".")
    clean = os.path.join(source, "tests/data/zones/clean.zone")

    status, _, _ = run("--now", NOW, clean)
    check("notices pass by default", status == 0, status)

    status, _, _ = run("--now", NOW, "--fail-on", "notice", clean)
    check("--fail-on notice fails on the unsigned notice", status == 1,
          status)

    status, _, err = run("--now", NOW, "--fail-on", "sometimes", clean)
    check("invalid --fail-on is a usage error", status == 2, err)

    status, _, err = run("--now", "yesterday", clean)
    check("invalid --now is a usage error", status == 2 and
          "invalid --now 'yesterday'" in err, err)

    status, _, err = run(os.path.join(workdir, "absent.zone"))
    check("missing zone file exits 3", status == 3 and
          "cannot read zone file" in err, err)

    status, _, _ = run(os.path.join(source, "tests/data/zones/syntax.zone"))
    check("zone-syntax exits 3", status == 3, status)

    status, out, _ = run("--now", NOW, "--suppress", "dnssec-unsigned", "-",
                         stdin=f"$ORIGIN example.\nd._device 300 IN TLSA 3 1 "
                               f"1 {HEX_A}\nd._device 300 IN TLSA 3 1 1 "
                               f"{HEX_A}\n")
    check("standard input is read", status == 0 and findings(out) == [
        "<stdin>:3: warning: [duplicate-record] TLSA 3 1 1 record repeats "
        "the one at <stdin>:2; servers keep one copy, so remove it"], out)
    config = os.path.join(workdir, "policy.json")
    with open(config, "w") as out_file:
        json.dump({"suppress": ["dnssec-unsigned", "duplicate-record"]},
                  out_file)

    status, out, _ = run("--config", config, "-",
                         stdin=f"$ORIGIN example.\nd._device 300 IN TLSA 3 1 "
                               f"1 {HEX_A}\nd._device 300 IN TLSA 3 1 1 "
                               f"{HEX_A}\n")
    check("--config suppresses", status == 0 and out == "", out)


def make_key(workdir, name, days, san):
    key = os.path.join(workdir, name + ".key")
    cert = os.path.join(workdir, name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                    "-out", cert, "-days", str(days), "-subj",
                    "/CN=" + name, "-addext", "subjectAltName=DNS:" + san],
                   check=True, capture_output=True)
    spki = subprocess.run(
        f"openssl x509 -in {cert} -pubkey -noout | "
        "openssl pkey -pubin -outform DER | sha256sum",
        shell=True, check=True, capture_output=True, text=True).stdout
    os.remove(key)
    return cert, spki.split()[0]


def test_credentials(workdir):
    certs = os.path.join(workdir, "certs")
    os.makedirs(os.path.join(certs, "next"))
    cert1, spki1 = make_key(certs, "device1", 365, "device1.example")
    cert2, spki2 = make_key(certs, "sensor2", 10, "sensor2.example")
    cert3, _ = make_key(os.path.join(certs, "next"), "sensor2-next", 365,
                        "sensor2.example")

    map_file = os.path.join(workdir, "owners.txt")
    with open(map_file, "w") as out_file:
        out_file.write("# file owner [next]\n"
                       "sensor2.pem sensor2._device.example.\n"
                       "next/sensor2-next.pem sensor2._device.example. next\n")

    zone = os.path.join(workdir, "fleet.zone")
    with open(zone, "w") as out_file:
        out_file.write(
            "$ORIGIN example.\n$TTL 300\n"
            f"device1 IN TLSA 3 1 1 {spki1}\n"
            f"device1 IN TLSA 3 1 1 {HEX_A}\n"
            f"sensor2._device IN TLSA 3 1 1 {spki2}\n")

    status, out, err = run("--suppress", "dnssec-unsigned", "--certs", certs,
                           "--map", map_file, zone)
    got = findings(out)
    expected_checks = ["stale-record", "rollover-readiness",
                       "certificate-expiry"]
    check("credential checks find stale, expiring and unpublished next key",
          [re.search(r"\[([a-z-]+)\]", g).group(1) for g in got] ==
          expected_checks and status == 1, got)
    check("stale record points at its line",
          got and got[0].startswith(f"{zone}:4: warning: [stale-record]"),
          got)
    check("unpublished next key names the file", len(got) == 3 and
          got[1].startswith(f"{certs}/next/sensor2-next.pem: error: "
                            "[rollover-readiness] next key"), got)


def test_credential_gaps(workdir):
    certs = os.path.join(workdir, "gaps")
    os.makedirs(certs)
    cert1, spki1 = make_key(certs, "alpha", 365, "alpha.example")
    make_key(certs, "beta", 365, "beta.example")
    cert3, spki3 = make_key(certs, "gamma", 5, "gamma.example")
    make_key(certs, "delta", 365, "delta.example")
    subprocess.run(["openssl", "x509", "-in", os.path.join(certs, "delta.pem"),
                    "-pubkey", "-noout", "-out",
                    os.path.join(certs, "bare.pub")], check=True)
    os.remove(os.path.join(certs, "delta.pem"))

    zone = os.path.join(workdir, "gaps.zone")
    with open(zone, "w") as out_file:
        out_file.write(
            "$ORIGIN example.\n$TTL 300\n"
            f"alpha IN TLSA 3 1 1 {spki1}\n"
            f"alpha IN TLSA 3 1 1 {HEX_A}\n"
            f"alpha IN TLSA 3 1 2 {'d' * 128}\n"
            f"gamma IN TLSA 3 1 1 {spki3}\n")

    status, out, err = run("--suppress", "dnssec-unsigned", "--suppress",
                           "stale-record", "--certs", certs, zone)
    got = findings(out)
    expected = [
        (zone + ":3", "digest-agility"),
        (os.path.join(certs, "alpha.pem"), "credential-digest-missing"),
        (os.path.join(certs, "bare.pub"), "credential-no-owner"),
        (os.path.join(certs, "beta.pem"), "credential-unpublished"),
        (os.path.join(certs, "gamma.pem"), "certificate-expiry"),
        (os.path.join(certs, "gamma.pem"), "rollover-readiness"),
    ]
    parsed = [(g.split(": ")[0], re.search(r"\[([a-z-]+)\]", g).group(1))
              for g in got]
    check("credential gaps: digest, no owner, unpublished, expiry, rollover",
          parsed == expected and status == 1, got)
    check("unpublished credential says why", any(
        g.startswith(os.path.join(certs, "beta.pem") +
                     ": error: [credential-unpublished]") and
        "there is no TLSA record at beta.example." in g for g in got), got)


def test_credential_rejected(workdir):
    certs = os.path.join(workdir, "rejected")
    os.makedirs(certs)
    cert, spki = make_key(certs, "client", 365, "client.example")

    map_file = os.path.join(workdir, "rejected.txt")
    with open(map_file, "w") as out_file:
        out_file.write("client.pem other.example.\n")

    zone = os.path.join(workdir, "rejected.zone")
    with open(zone, "w") as out_file:
        out_file.write(f"$ORIGIN example.\nother 300 IN TLSA 1 1 1 {spki}\n")

    status, out, _ = run("--suppress", "dnssec-unsigned", "--certs", certs,
                         "--map", map_file, zone)
    got = findings(out)
    check("PKIX-EE match without a valid chain is rejected",
          len(got) == 1 and status == 1 and got[0].startswith(
              f"{cert}: error: [credential-rejected] {cert} (CN=client) "
              "does not authenticate as other.example (chain-invalid): "),
          got)


def main():
    workdir = tempfile.mkdtemp(prefix="dance-zone-check-")
    try:
        test_signed_zones(workdir)
        test_unsupported_algorithm(workdir)
        test_formats(workdir)
        test_exit_codes(workdir)
        test_credentials(workdir)
        test_credential_gaps(workdir)
        test_credential_rejected(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
