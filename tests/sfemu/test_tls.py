"""`ensure_certificates`: a local CA, a server certificate naming the Salesforce hosts, reuse while valid."""

from __future__ import annotations

import socket
import ssl
import stat
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography import x509

from sfemu.tls import ensure_certificates
from tests.support.sfemu import EmulatorServer


def san_names(cert_path: Path) -> set[str]:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    addresses = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    return addresses | set(san.get_values_for_type(x509.DNSName))


def test_creates_a_ca_and_a_server_certificate_it_signed(tmp_path: Path) -> None:
    cert_path, key_path, ca_path = ensure_certificates(tmp_path, ["emu.local", "10.0.0.5"])
    assert ca_path == tmp_path / "ca.pem"
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_path.read_bytes()))
    assert san_names(cert_path) >= {
        "127.0.0.1",
        "localhost",
        "login.salesforce.com",
        "test.salesforce.com",
        "*.my.salesforce.com",
        "emu.local",
        "10.0.0.5",
    }
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "ca-key.pem").stat().st_mode) == 0o600


def test_reuses_valid_certificates(tmp_path: Path) -> None:
    first = [path.read_bytes() for path in ensure_certificates(tmp_path)]
    second = [path.read_bytes() for path in ensure_certificates(tmp_path)]
    assert first == second


def test_a_new_host_reissues_the_server_certificate_but_keeps_the_ca(tmp_path: Path) -> None:
    cert_path, _, ca_path = ensure_certificates(tmp_path)
    ca_before, cert_before = ca_path.read_bytes(), cert_path.read_bytes()
    ensure_certificates(tmp_path, ["emu.local"])
    assert ca_path.read_bytes() == ca_before
    assert cert_path.read_bytes() != cert_before
    assert "emu.local" in san_names(cert_path)


@pytest.mark.parametrize("damaged", ["server.pem", "server-key.pem"])
def test_a_damaged_server_certificate_is_replaced(tmp_path: Path, damaged: str) -> None:
    ensure_certificates(tmp_path)
    (tmp_path / damaged).write_text("garbage")
    cert_path, _, ca_path = ensure_certificates(tmp_path)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_path.read_bytes()))


def test_a_new_ca_reissues_the_server_certificate(tmp_path: Path) -> None:
    ensure_certificates(tmp_path)
    (tmp_path / "ca.pem").unlink()
    cert_path, _, ca_path = ensure_certificates(tmp_path)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_path.read_bytes()))


@pytest.mark.parametrize(
    "hostname", ["login.salesforce.com", "test.salesforce.com", "acme.my.salesforce.com", "localhost"]
)
def test_the_tls_server_is_trusted_for_salesforce_hosts(
    sfemu_tls_server: EmulatorServer, hostname: str
) -> None:
    """What a client sees when /etc/hosts maps the Salesforce host names to the emulator."""
    context = ssl.create_default_context(cafile=str(sfemu_tls_server.ca_path))
    address = urlsplit(sfemu_tls_server.base_url)
    with (
        socket.create_connection((address.hostname, address.port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=hostname) as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_the_tls_server_is_not_trusted_for_other_hosts(sfemu_tls_server: EmulatorServer) -> None:
    context = ssl.create_default_context(cafile=str(sfemu_tls_server.ca_path))
    address = urlsplit(sfemu_tls_server.base_url)
    with (
        socket.create_connection((address.hostname, address.port), timeout=5) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        context.wrap_socket(raw, server_hostname="example.com")
