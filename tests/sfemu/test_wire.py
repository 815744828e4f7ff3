"""On the wire: header names in Salesforce's casing (read raw), and gzip when the client asks for it."""

from __future__ import annotations

import gzip
import socket

import pytest

from tests.sfemu.bulk.helpers import QUERY, BulkOrg, attach, create_query
from tests.support.sfemu import EmulatorServer

V = "/services/data/v62.0"


@pytest.fixture
def bulk_org(sfemu_server: EmulatorServer) -> BulkOrg:
    return attach(sfemu_server)


@pytest.fixture
def bulk_tls_org(sfemu_tls_server: EmulatorServer) -> BulkOrg:
    return attach(sfemu_tls_server)


def _raw_head(bulk_org: BulkOrg, path: str, *extra: str) -> tuple[bytes, list[bytes]]:
    """The status line and header names exactly as they came off the socket."""
    host, port = bulk_org.server.base_url.removeprefix("http://").split(":")
    request = "\r\n".join(
        [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            f"Authorization: Bearer {bulk_org.token}",
            "Connection: close",
            *extra,
            "",
            "",
        ]
    )
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request.encode())
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = conn.recv(65536)
            assert chunk, "the emulator closed the connection before the headers ended"
            received += chunk
    head = received.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    return head[0], [line.split(b":", 1)[0] for line in head[1:]]


def test_rest_headers_leave_in_salesforce_casing(bulk_org: BulkOrg) -> None:
    status, names = _raw_head(bulk_org, f"{V}/limits")
    assert status == b"HTTP/1.1 200 OK"
    assert b"Content-Type" in names
    assert b"Sforce-Limit-Info" in names
    assert b"content-type" not in names
    assert b"sforce-limit-info" not in names


def test_bulk2_result_headers_leave_in_salesforce_casing(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = create_query(client, "SELECT Id FROM User").json()
        assert client.get(f"{QUERY}/{job['id']}").json()["state"] == "JobComplete"
        response = client.get(f"{QUERY}/{job['id']}/results")
    names = [name for name, _ in response.headers.raw]
    for name in (b"Content-Type", b"Sforce-Locator", b"Sforce-NumberOfRecords", b"Sforce-Limit-Info"):
        assert name in names, names
    # The same over a raw socket, where no client library can have touched the names.
    _, raw = _raw_head(bulk_org, f"{QUERY}/{job['id']}/results")
    assert {b"Sforce-Locator", b"Sforce-NumberOfRecords"} <= set(raw)


def test_bodies_are_gzipped_when_the_client_asks(bulk_org: BulkOrg) -> None:
    with bulk_org.client({"Accept-Encoding": "gzip"}) as client:
        described = client.get(f"{V}/sobjects/Account/describe")
        job = create_query(client, "SELECT Id, Username FROM User").json()
        assert client.get(f"{QUERY}/{job['id']}").json()["state"] == "JobComplete"
        with client.stream("GET", f"{QUERY}/{job['id']}/results") as results:
            compressed = b"".join(results.iter_raw())
            encoding = results.headers.get("Content-Encoding")
    assert described.headers["Content-Encoding"] == "gzip"
    assert described.json()["name"] == "Account"  # httpx decodes it
    assert encoding == "gzip"
    assert gzip.decompress(compressed).decode().splitlines()[0] == '"Id","Username"'


def test_bodies_are_plain_when_the_client_does_not_ask(bulk_org: BulkOrg) -> None:
    with bulk_org.client({"Accept-Encoding": "identity"}) as client:
        response = client.get(f"{V}/sobjects/Account/describe")
    assert "Content-Encoding" not in response.headers
    assert response.json()["name"] == "Account"


def test_simple_salesforce_reads_gzipped_answers(bulk_tls_org: BulkOrg) -> None:
    sf = bulk_tls_org.salesforce()
    sf.Account.create({"Name": "Acme"})
    result = sf.query("SELECT Id, Name FROM Account")
    assert [r["Name"] for r in result["records"]] == ["Acme"]
    pages = list(sf.bulk2.Account.query("SELECT Name FROM Account", wait=0))
    assert pages == ['"Name"\n"Acme"\n']
    # requests asks for gzip by default: the answers it just read were compressed.
    response = sf.session.get(f"{sf.base_url}limits", headers=sf.headers)
    assert response.headers["Content-Encoding"] == "gzip"
