"""Fixtures for the Salesforce client tests: sfemu over real HTTP (and HTTPS), seeded with the demo org.

pytest only loads conftest files up the directory tree, so the emulator fixtures of
`tests/sfemu/conftest.py` are imported here.
"""

from __future__ import annotations

import pytest

from sfemu.seed import seed
from tests.connectors.salesforce.helpers import Org
from tests.sfemu.conftest import sfemu_server, sfemu_server_factory, sfemu_tls_server  # noqa: F401
from tests.support.sfemu import EmulatorServer


@pytest.fixture
def org(sfemu_server: EmulatorServer) -> Org:  # noqa: F811
    """The demo org over plain HTTP."""
    seed(sfemu_server.org, "demo")
    return Org(sfemu_server)


@pytest.fixture
def tls_org(sfemu_tls_server: EmulatorServer) -> Org:  # noqa: F811
    """The demo org over HTTPS, its certificate issued by the emulator's local CA."""
    seed(sfemu_tls_server.org, "demo")
    return Org(sfemu_tls_server)
