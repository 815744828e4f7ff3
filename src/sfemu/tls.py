"""A local certificate authority and a server certificate it signs, so HTTPS clients can trust the emulator.

Clients hard-code `https://login.salesforce.com` (and simple-salesforce every URL's scheme), so the
server certificate names the Salesforce login hosts as well as the loopback ones. Trust the CA with
`REQUESTS_CA_BUNDLE=<data-dir>/ca.pem` (or `verify=` in requests and httpx).

Files in the data directory: `ca.pem` and `ca-key.pem`, `server.pem` and `server-key.pem`. They are
reused while valid: the CA is reused as long as it has not expired; the server certificate also has
to be signed by that CA and to name every requested host.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_HOSTS = (
    "127.0.0.1",
    "localhost",
    "login.salesforce.com",
    "test.salesforce.com",
    "*.my.salesforce.com",
)
CA_DAYS = 3650
SERVER_DAYS = 825
_RENEW_BEFORE = timedelta(days=7)


def ensure_certificates(data_dir: Path, hosts: Iterable[str] = ()) -> tuple[Path, Path, Path]:
    """Create (or reuse) the CA and a server certificate for `DEFAULT_HOSTS` plus `hosts`.

    Args:
        data_dir: where the PEM files live; created if missing.
        hosts: extra DNS names or IP addresses for the certificate (e.g. the `--public-url` host).

    Returns:
        `(cert_path, key_path, ca_path)`: the server certificate and key for the TLS server, and the
        CA certificate for clients to trust.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    names = tuple(dict.fromkeys(_normalize(host) for host in [*DEFAULT_HOSTS, *hosts] if host.strip()))
    ca_path, ca_key_path = data_dir / "ca.pem", data_dir / "ca-key.pem"
    cert_path, key_path = data_dir / "server.pem", data_dir / "server-key.pem"
    ca = _load_ca(ca_path, ca_key_path)
    if ca is None:
        ca = _create_ca()
        ca_path.write_bytes(ca[0].public_bytes(serialization.Encoding.PEM))
        _write_key(ca_key_path, ca[1])
    elif _server_valid(cert_path, key_path, ca[0], names):
        return cert_path, key_path, ca_path
    cert, key = _create_server(ca, names)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key_path, key)
    return cert_path, key_path, ca_path


def _create_ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sfemu"),
            x509.NameAttribute(NameOID.COMMON_NAME, "sfemu local CA"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _create_server(
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], names: tuple[str, ...]
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sfemu")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName([_general_name(name) for name in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        key_cert_sign=ca,
        crl_sign=ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )


def _normalize(host: str) -> str:
    """IP addresses in their canonical text form, names lowercased: how a certificate compares them."""
    host = host.strip().lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _load_ca(cert_path: Path, key_path: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not _fresh(cert) or not _pair(cert, key):
        return None
    return cert, key


def _server_valid(cert_path: Path, key_path: Path, ca_cert: x509.Certificate, names: tuple[str, ...]) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert.verify_directly_issued_by(ca_cert)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not _fresh(cert) or not _pair(cert, key):
        return False
    present = {str(value) for value in san.get_values_for_type(x509.IPAddress)}
    present |= set(san.get_values_for_type(x509.DNSName))
    return set(names) <= present


def _pair(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> bool:
    """Whether the key is the certificate's own."""
    encoding, spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return cert.public_key().public_bytes(encoding, spki) == key.public_key().public_bytes(encoding, spki)


def _fresh(cert: x509.Certificate) -> bool:
    now = datetime.now(UTC)
    return cert.not_valid_before_utc <= now and cert.not_valid_after_utc - _RENEW_BEFORE > now


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Private keys are readable by the owner only, from the moment they exist.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)
