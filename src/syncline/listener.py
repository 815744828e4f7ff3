"""The API's listening socket, bound before anything else starts: a port that is taken is one line and
exit 2, not a server that migrates, starts its jobs and only then fails to bind (or, worse, a second
server whose callers are answered by the first)."""

from __future__ import annotations

import errno
import socket

MAX_PORT = 65_535


class ListenError(Exception):
    """The API cannot listen where it was asked to; the message is one line naming the option."""


def bind_listener(host: str, port: int) -> socket.socket:
    """A socket bound to `host:port` (port 0: any free port), ready for uvicorn to listen on.

    Raises:
        ListenError: the port is out of range or in use, or the host is not an address of this machine.
    """
    if not 0 <= port <= MAX_PORT:
        raise ListenError(f"--port: must be a port number from 0 to {MAX_PORT}, got {port}")
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is free
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ListenError(
                f"--port: {host}:{port} is already in use (another syncline?); stop that process or "
                "choose another port with --port"
            ) from None
        raise ListenError(f"--host: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock
