"""Loopback TCP listeners that are not what a connector expects: open ports a probe must not tell from
closed ones."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BANNER = b"SSH-2.0-OpenSSH_9.2\r\n"


@contextmanager
def banner_port() -> Iterator[int]:
    """A port where a server that does not speak HTTP or PostgreSQL (an SSH-like banner) answers every
    connection with a banner, reads what the client sends and hangs up."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)

    def serve() -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:  # closed: the test is over
                return
            with client:
                try:
                    client.sendall(BANNER)
                    client.recv(4096)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, name="banner-port", daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(), which close() alone does not
        server.close()
        thread.join(timeout=5)
