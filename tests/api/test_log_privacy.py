"""Upstream query strings stay out of the server's log: SOQL run by the query runner (as it succeeds and as
it fails) and the query strings of Connection Proxy calls. The log is the real `syncline serve` process's
output, at the default level; each query carries a marker that must not appear in it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from polytomic import ConnectionProxyCall, Polytomic

from sfemu.seed import seed
from tests.support.server import ServerProcess, free_port
from tests.support.sfemu import EmulatorServer, running_emulator

APP = {"client_id": "sfemu", "client_secret": "sfemu-secret"}
QUERY_PATH = "/services/data/v62.0/query"


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorServer]:
    with running_emulator(tmp_path / "sfemu") as emulator:
        seed(emulator.org, "demo")
        yield emulator


@pytest.fixture
def quiet_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of the test's own, so its log holds only this test's requests."""
    data_dir = tmp_path / "syncline"
    data_dir.mkdir()
    proc = ServerProcess(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'syncline.db'}",
        api_key=f"sl_test_{uuid.uuid4().hex}",
        port=free_port(),
    )
    proc.start()
    yield proc
    proc.stop()


def finished(sdk: Polytomic, query_id: str) -> str:
    for _ in range(400):
        status = sdk.query_runner.get_query(id=query_id).data.status
        if status in {"done", "failed"}:
            return str(status)
        time.sleep(0.05)
    raise AssertionError(f"query {query_id} did not finish")


def test_soql_and_proxied_query_strings_are_not_logged(
    quiet_server: ServerProcess, emulator: EmulatorServer
) -> None:
    sdk = Polytomic(token=quiet_server.api_key, base_url=quiet_server.base_url, max_retries=0)
    connection = sdk.connections.create(
        name="sf-log-privacy",
        type="salesforce",
        configuration={"domain": emulator.base_url, "connect_mode": "clientcredentials", **APP},
    ).data
    sdk.connections.proxy.update_proxy_settings(id=connection.id, enabled=True)
    markers = {name: f"{name}{uuid.uuid4().hex[:12]}" for name in ("runner", "failing", "query", "raw")}

    for text, outcome in (
        (f"SELECT Id FROM Account WHERE Name = '{markers['runner']}'", "done"),
        (f"SELECT Id FORM Account WHERE Name = '{markers['failing']}'", "failed"),
    ):
        started = sdk.query_runner.run_query(connection_id=connection.id, query=text)
        assert finished(sdk, started.data.id) == outcome
    for request in (
        {"query": {"q": f"SELECT Id FROM Account WHERE Name = '{markers['query']}'"}},
        {"raw_query": f"q=SELECT+Id+FROM+Account+WHERE+Name+%3D+%27{markers['raw']}%27"},
    ):
        answer = sdk.connections.proxy.execute_proxy(
            id=connection.id, request=ConnectionProxyCall(method="GET", path=QUERY_PATH, **request)
        ).data
        assert answer.status == 200
    quiet_server.stop()  # everything the process wrote is in the file

    log = quiet_server.log_text()
    assert f"/api/connections/{connection.id}/proxy" in log  # the requests were logged, ...
    leaked = [name for name, marker in markers.items() if marker in log]
    assert leaked == []  # ... their upstream queries were not
