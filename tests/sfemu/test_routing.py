"""API handlers run on worker threads: a query held inside SQLite stalls neither the loop nor the store."""

from __future__ import annotations

import inspect
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sfemu.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_USERNAME
from sfemu.routing import off_loop
from tests.support.sfemu import EmulatorServer

API = "/services/data/v62.0"
CLIENT = {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
PASSWORD_GRANT = {
    "grant_type": "password",
    **CLIENT,
    "username": DEFAULT_USERNAME,
    "password": DEFAULT_PASSWORD,
}
# Bounds for a broken build only: with the fix every wait below ends as soon as its event is set.
DEADLINE = 10


class HeldQuery:
    """Holds the first SQL statement that reads the `Account` table until `release` is set.

    It hooks the connection `Database.reading()` hands out, so the hold is inside the blocking section
    proper: the statement is executing on its thread's read connection when `entered` is set.
    """

    def __init__(self, server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        reading = server.org.db.reading

        @contextmanager
        def held_reading() -> Iterator[sqlite3.Connection]:
            with reading() as conn:
                conn.set_trace_callback(self._trace)
                try:
                    yield conn
                finally:
                    conn.set_trace_callback(None)

        monkeypatch.setattr(server.org.db, "reading", held_reading)

    def _trace(self, sql: str) -> None:
        if '"Account"' in sql and not self.entered.is_set():
            self.entered.set()
            self.release.wait(DEADLINE)


def test_a_held_query_leaves_the_admin_api_tokens_and_other_calls_answering(
    sfemu_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sfemu_server.client(timeout=DEADLINE) as client:
        token = client.post("/services/oauth2/token", data=PASSWORD_GRANT).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        held = HeldQuery(sfemu_server, monkeypatch)
        with ThreadPoolExecutor(max_workers=1) as pool:
            slow = pool.submit(
                client.get, f"{API}/query", params={"q": "SELECT Id, Name FROM Account"}, headers=auth
            )
            try:
                assert held.entered.wait(DEADLINE), "the query never reached SQLite"

                info = client.get("/__sfemu/info")  # the event loop is free
                issued = client.post("/services/oauth2/token", data=PASSWORD_GRANT)  # so is the write lock
                limits = client.get(f"{API}/limits", headers=auth)  # and a session check reads alongside

                assert not slow.done()
            finally:
                held.release.set()
            answer = slow.result(DEADLINE)
    assert info.json()["org_id"] == sfemu_server.org.org_id
    assert issued.status_code == 200
    assert issued.json()["access_token"] != token
    assert limits.status_code == 200
    assert answer.json() == {"totalSize": 0, "done": True, "records": []}


def test_every_salesforce_api_route_runs_its_handler_off_the_event_loop(sfemu_server: EmulatorServer) -> None:
    assert isinstance(sfemu_server.app, Starlette)
    routes = [r for r in sfemu_server.app.routes if isinstance(r, Route)]
    api = [r for r in routes if not r.path.startswith("/__sfemu/")]
    assert len(api) > 40
    for r in api:
        handler = getattr(r.endpoint, "__wrapped__", None)  # set by sfemu.routing.off_loop
        assert handler is not None, r.path
        assert not inspect.iscoroutinefunction(handler), r.path


def test_route_refuses_an_async_handler() -> None:
    async def handler(_request: Request) -> Response:
        return Response()

    with pytest.raises(TypeError, match="must be a plain function"):
        off_loop(handler)  # type: ignore[arg-type]
