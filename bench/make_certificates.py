#!/usr/bin/env python3
"""Writes COUNT self-signed certificates, device1.pem to deviceCOUNT.pem,
into DIR for bench/tlsa.sh. One ECDSA P-256 key signs them all, so only
the subject, SAN and serial differ. That is enough for dance tlsa, which
reads and hashes each file independently."""
import datetime
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def main() -> None:
    folder, count = sys.argv[1], int(sys.argv[2])
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    for index in range(1, count + 1):
        name = f"device{index}.example"
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(index)
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(
                x509.SubjectAlternativeName([x509.DNSName(name)]),
                critical=False)
            .sign(key, hashes.SHA256())
        )
        with open(f"{folder}/device{index}.pem", "wb") as out:
            out.write(certificate.public_bytes(serialization.Encoding.PEM))


if __name__ == "__main__":
    main()
