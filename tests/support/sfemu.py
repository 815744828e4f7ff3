"""Run the real emulator over HTTP: uvicorn serving the app in a background thread on a free loopback port.

The fixtures in `tests/sfemu/conftest.py` wrap `running_emulator`; use it directly to stop and restart
an emulator on the same data directory.
"""

from __future__ import annotations

import gc
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

from sfemu.app import create_app
from sfemu.config import EmulatorConfig
from sfemu.org import Org
from sfemu.tls import ensure_certificates
from tests.support.server import free_port


@dataclass
class EmulatorServer:
    org: Org
    app: ASGIApp
    base_url: str
    ca_path: Path | None = None

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client for the emulator (trusting its CA when it serves TLS)."""
        verify = ssl.create_default_context(cafile=str(self.ca_path)) if self.ca_path else True
        return httpx.Client(base_url=self.base_url, verify=verify, **kwargs)


@contextmanager
def running_emulator(data_dir: Path, *, tls: bool = False, **config: Any) -> Iterator[EmulatorServer]:
    port = free_port()
    org = Org(EmulatorConfig(data_dir=data_dir, host="127.0.0.1", port=port, tls=tls, **config))
    app = create_app(org)
    ssl: dict[str, str] = {}
    ca_path = None
    if tls:
        cert_path, key_path, ca_path = ensure_certificates(data_dir)
        ssl = {"ssl_certfile": str(cert_path), "ssl_keyfile": str(key_path)}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **ssl))
    thread = threading.Thread(target=server.run, name=f"sfemu:{port}", daemon=True)
    thread.start()
    try:
        _wait_until_started(server, thread)
        yield EmulatorServer(org=org, app=app, base_url=org.config.base_url, ca_path=ca_path)
    finally:
        _stop(server, thread)
        org.close()


def _stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    """Stop gracefully; force it when a client still holds a keep-alive connection open.

    A TLS connection that the client neither uses nor closes holds a graceful shutdown until the
    client lets go. A test's `pytest.raises(...) as failure` is the usual culprit: the traceback keeps
    the client's response (and so its socket) in a reference cycle that only the collector frees.
    """
    server.should_exit = True
    thread.join(timeout=0.5)
    if thread.is_alive():
        gc.collect()
        thread.join(timeout=1)
    if thread.is_alive():
        server.force_exit = True
        thread.join(timeout=10)


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the emulator's server thread exited during startup; see the log above")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the emulator did not start within {timeout} s")
        time.sleep(0.01)
