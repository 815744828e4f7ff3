"""A request that makes budgeted upstream calls holds at most one pooled metadata-store connection.

The app runs in-process on PostgreSQL (no executor: only the request uses the pool), and the pool's own
checkout and checkin events say how many connections were out at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from sfemu.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from sfemu.seed import seed
from syncline.services.container import Services
from tests.support.app import in_process_app
from tests.support.sfemu import EmulatorServer, running_emulator


class PoolWatch:
    """The most connections one thread had checked out at once since the last `reset`.

    Per thread: discovery describes objects on several threads, each a budgeted call of its own; what
    must never happen is one call waiting for a second connection while it holds a first (with a pool
    of one, that call would wait forever)."""

    def __init__(self, services: Services) -> None:
        self._lock = threading.Lock()
        self.out: dict[int, int] = {}
        self.peak = 0
        pool = services.store.engine.pool
        event.listen(pool, "checkout", self._checkout)
        event.listen(pool, "checkin", self._checkin)

    def _checkout(self, *_: Any) -> None:
        with self._lock:
            me = threading.get_ident()
            self.out[me] = self.out.get(me, 0) + 1
            self.peak = max(self.peak, self.out[me])

    def _checkin(self, *_: Any) -> None:
        with self._lock:
            me = threading.get_ident()
            self.out[me] = self.out.get(me, 0) - 1

    def reset(self) -> None:
        with self._lock:
            self.peak = max(self.out.values(), default=0)


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorServer]:
    with running_emulator(tmp_path / "sfemu") as server:
        seed(server.org, "demo")
        yield server


@pytest.fixture
def app(tmp_path: Path, scratch_pg_database: str) -> Iterator[tuple[TestClient, PoolWatch]]:
    url = scratch_pg_database.replace("postgresql://", "postgresql+psycopg://", 1)
    with in_process_app(tmp_path / "syncline", database_url=url) as (client, services):
        yield client, PoolWatch(services)


def test_budgeted_calls_in_a_request_hold_one_pooled_connection(
    app: tuple[TestClient, PoolWatch], emulator: EmulatorServer
) -> None:
    client, pool = app
    configuration = {
        "domain": emulator.base_url,
        "connect_mode": "clientcredentials",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "enforce_api_limits": True,
        "daily_api_calls": 10_000,
    }
    created = client.post(
        "/api/connections", json={"name": "sf", "type": "salesforce", "configuration": configuration}
    )
    connection = created.json()["data"]["id"]
    client.put(f"/api/connections/{connection}/proxy/settings", json={"enabled": True})
    calls = [
        ("GET", f"/api/connections/{connection}/bulksync/source", None),  # discovery: budgeted calls
        ("GET", f"/api/connections/{connection}/schemas/Account/records?limit=2", None),
        (
            "POST",
            f"/api/connections/{connection}/proxy",
            {"request": {"method": "GET", "path": "/services/data"}},
        ),
        ("GET", f"/api/connections/{connection}", None),  # api_calls_last_24_hours
        ("GET", f"/api/connections/{connection}/usage", None),
        ("GET", f"/api/connections/{connection}/proxy/info", None),
    ]
    for method, path, body in calls:
        pool.reset()
        answer = client.request(method, path, json=body)
        assert answer.status_code == 200, (path, answer.text)
        assert pool.peak <= 1, f"{method} {path} held {pool.peak} pooled connections at once"
