"""TEST ONLY. Writes the test certificates and keys in this folder; run once, kept in git.

`python -m adapters.sts.testcerts.generate` makes, each self-signed, RSA 2048, valid 2024-2124:

- `sts-test.pem` / `sts-test.key`: the simulator STS's signing certificate ("TEST STS").
- `kommune-test.pem` / `kommune-test.key`: the test municipality's system certificate
  ("TEST Kommune 901", CVR 90100001), the only one the simulator STS issues tokens to.

These keys are public (they are in this repository). No real STS or service trusts them, and
nothing but the simulators and tests may use them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

FOLDER = Path(__file__).parent


def certificate(common_name: str, serial: str) -> tuple[bytes, bytes]:
    """(certificate PEM, unencrypted PKCS#8 key PEM) of a new self-signed test certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TESTCERTIFIKAT - ikke gyldigt"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, serial),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2024, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2124, 1, 1, tzinfo=UTC))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def main() -> None:
    for stem, common_name, serial in (
        ("sts-test", "TEST STS (Boernesag simulator)", "UID:TEST-STS-0001"),
        ("kommune-test", "TEST Kommune 901 - Boernesag", "CVR:90100001-UID:TEST-0901"),
    ):
        cert_pem, key_pem = certificate(common_name, serial)
        (FOLDER / f"{stem}.pem").write_bytes(cert_pem)
        (FOLDER / f"{stem}.key").write_bytes(key_pem)


if __name__ == "__main__":
    main()
