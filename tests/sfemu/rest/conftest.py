"""An emulator seeded with the demo org and an authenticated httpx client for its REST API."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sfemu.seed import seed
from tests.support.sfemu import EmulatorServer

API = "/services/data/v62.0"


def access_token(client: httpx.Client) -> str:
    response = client.post(
        "/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "sfemu", "client_secret": "sfemu-secret"},
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


@pytest.fixture
def demo(sfemu_server: EmulatorServer) -> EmulatorServer:
    seed(sfemu_server.org, "demo")
    return sfemu_server


@pytest.fixture
def api(demo: EmulatorServer) -> Iterator[httpx.Client]:
    with demo.client() as client:
        client.headers["Authorization"] = f"Bearer {access_token(client)}"
        yield client
