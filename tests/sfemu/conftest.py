"""Fixtures serving the real emulator over HTTP (see `tests/support/sfemu.py`).

- `sfemu_server`: plain HTTP, a fresh org in the test's tmp dir
- `sfemu_tls_server`: HTTPS with a certificate from the emulator's local CA (`.ca_path` to trust)
- `sfemu_server_factory(tls=False, **config)`: either, with `EmulatorConfig` fields overridden

Each yields an `EmulatorServer` with `.org`, `.app`, `.base_url`, `.ca_path` and `.client()` (an httpx
client for the base URL that trusts the CA).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.support.sfemu import EmulatorServer, running_emulator


@pytest.fixture
def sfemu_server(tmp_path: Path) -> Iterator[EmulatorServer]:
    with running_emulator(tmp_path / "sfemu") as server:
        yield server


@pytest.fixture
def sfemu_tls_server(tmp_path: Path) -> Iterator[EmulatorServer]:
    with running_emulator(tmp_path / "sfemu", tls=True) as server:
        yield server


@pytest.fixture
def sfemu_server_factory(tmp_path: Path) -> Iterator[Callable[..., EmulatorServer]]:
    """Start emulators with config overrides, e.g. `sfemu_server_factory(multicurrency=False)`."""
    with ExitStack() as stack:
        count = 0

        def start(*, tls: bool = False, **config: Any) -> EmulatorServer:
            nonlocal count
            count += 1
            return stack.enter_context(running_emulator(tmp_path / f"sfemu-{count}", tls=tls, **config))

        yield start
