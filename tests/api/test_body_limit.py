"""Request bodies above SYNCLINE_MAX_BODY_BYTES are refused with 413 before they are read (issue 8,
item 7): a declared length at once, before authentication; a chunked body as soon as it passes the limit.
Raw sockets, so nothing on the client side buffers or fixes up the request."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

from tests.support.server import ServerProcess

LIMIT = 1024 * 1024  # the default


def _connect(server: ServerProcess) -> socket.socket:
    parts = urlsplit(server.base_url)
    return socket.create_connection((parts.hostname, parts.port), timeout=30)


def _answer(sock: socket.socket) -> tuple[int, dict[str, object]]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(head.split(b" ")[1]), json.loads(body or b"{}")


def test_a_declared_length_over_the_limit_is_refused_before_anything_is_read(server: ServerProcess) -> None:
    with _connect(server) as sock:
        sock.sendall(  # no API key, and not one byte of the body
            b"POST /api/connections HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {150 * LIMIT}\r\n\r\n".encode()
        )
        status, body = _answer(sock)
    assert status == 413
    assert body["key"] == "request_too_large"
    assert "SYNCLINE_MAX_BODY_BYTES" in str(body["message"])


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(server: ServerProcess) -> None:
    chunk = b"x" * 65536
    with _connect(server) as sock:
        sock.sendall(
            b"POST /api/connections HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + server.api_key.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        try:
            for _ in range(2 * LIMIT // len(chunk)):
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may answer and close before the client is done sending
        status, body = _answer(sock)
    assert status == 413
    assert body["metadata"] == {"max_bytes": LIMIT}


def test_bodies_under_the_limit_still_work(server: ServerProcess) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /api/connection_types HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ")
        sock.sendall(server.api_key.encode() + b"\r\nContent-Length: 0\r\n\r\n")
        status, _ = _answer(sock)
    assert status == 200
