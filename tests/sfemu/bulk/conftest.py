"""Fixtures for the Bulk API tests: a running emulator, a session token, httpx and simple-salesforce clients.

`bulk_org` wraps the `sfemu_server` fixture (plain HTTP); `bulk_tls_org` wraps `sfemu_tls_server`, for
simple-salesforce, which only speaks HTTPS to its instance.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.sfemu.bulk.helpers import BulkOrg, attach
from tests.support.sfemu import EmulatorServer


@pytest.fixture
def bulk_org(sfemu_server: EmulatorServer) -> BulkOrg:
    return attach(sfemu_server)


@pytest.fixture
def bulk_tls_org(sfemu_tls_server: EmulatorServer) -> BulkOrg:
    return attach(sfemu_tls_server)


@pytest.fixture
def bulk_org_factory(sfemu_server_factory: Callable[..., EmulatorServer]) -> Callable[..., BulkOrg]:
    """Emulators with config overrides, e.g. `bulk_org_factory(lock_contention=True, fault_seed=7)`."""
    return lambda **config: attach(sfemu_server_factory(**config))
