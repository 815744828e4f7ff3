"""`SYNCLINE_PRIVATE_UPSTREAMS=deny` end to end: every outbound connection syncline makes for a
connection (a database host, a Salesforce domain, the instance a token answer names, the Connection
Proxy) is refused with 422 when it would reach a local address; `SYNCLINE_UPSTREAM_ALLOW` lets the
operator's exceptions through. And unreachable upstreams read the same whether a port is closed or
something other than the upstream answers there."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.test_proxy import Listener
from tests.support.app import in_process_app
from tests.support.sfemu import EmulatorServer, running_emulator

APP = {"client_id": "sfemu", "client_secret": "sfemu-secret"}
PG = {"username": "postgres", "password": "x", "database": "test", "ssl": False}
SETTING = "SYNCLINE_PRIVATE_UPSTREAMS"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    with running_emulator(tmp_path_factory.mktemp("sfemu-upstreams")) as emulator:
        yield emulator


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A loopback HTTP server that counts requests: under deny, none may reach it."""
    server = Listener()
    yield server
    server.close()


def create(client: TestClient, type_id: str, configuration: dict[str, Any], **extra: Any) -> httpx.Response:
    body = {"name": unique(type_id), "type": type_id, "configuration": configuration, **extra}
    return client.post("/api/connections", json=body)


def assert_not_allowed(response: httpx.Response, field: str | None = None) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["key"] == "upstream_not_allowed", body
    assert SETTING in body["message"]
    assert "SYNCLINE_UPSTREAM_ALLOW" in body["message"]
    if field is not None:
        assert [e["field"] for e in body["metadata"]["errors"]] == [field]


# --- databases ---------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize(
    "host", ["127.0.0.1", "2130706433", "0x7f000001", "localhost", "/var/run/postgresql"]
)
def test_deny_refuses_a_database_on_a_local_address_however_spelled(tmp_path: Path, host: str) -> None:
    with in_process_app(tmp_path, private_upstreams="deny") as (client, _):
        assert_not_allowed(create(client, "postgresql", {**PG, "hostname": host}, validate=True), "hostname")
        tested = client.post(
            "/api/connections/test", json={"type": "postgresql", "configuration": {**PG, "hostname": host}}
        )
        assert_not_allowed(tested, "hostname")


@pytest.mark.postgres
def test_deny_refuses_queries_of_a_connection_saved_without_validation(tmp_path: Path) -> None:
    with in_process_app(tmp_path, private_upstreams="deny", serve=True) as (client, _):
        saved = create(client, "postgresql", {**PG, "hostname": "127.0.0.1"})
        assert saved.status_code == 200, saved.text
        connection_id = saved.json()["data"]["id"]
        started = client.post(f"/api/connections/{connection_id}/query", json={"query": "SELECT 1"})
        query_id = started.json()["data"]["id"]
        result = wait_for_query(client, query_id)
        assert result["status"] == "failed"
        assert SETTING in result["error"]


@pytest.mark.postgres
def test_the_operators_allow_list_lets_its_entries_through(tmp_path: Path) -> None:
    with in_process_app(tmp_path, private_upstreams="deny", upstream_allow="127.0.0.1:5432") as (client, _):
        for host in ("127.0.0.1", "2130706433"):  # the address is allowed, whatever the spelling
            made = create(client, "postgresql", {**PG, "hostname": host}, validate=True)
            assert made.status_code == 200, made.text
            assert made.json()["data"]["status"] == "healthy"
        assert_not_allowed(
            create(client, "postgresql", {**PG, "hostname": "127.0.0.1", "port": 5433}, validate=True)
        )
    with in_process_app(tmp_path / "by-name", private_upstreams="deny", upstream_allow="localhost:5432") as (
        client,
        _,
    ):
        made = create(client, "postgresql", {**PG, "hostname": "localhost"}, validate=True)
        assert made.status_code == 200, made.text
        assert_not_allowed(create(client, "postgresql", {**PG, "hostname": "127.0.0.1"}, validate=True))


# --- Salesforce --------------------------------------------------------------------------------------


def test_deny_refuses_a_salesforce_domain_on_a_local_address(tmp_path: Path, listener: Listener) -> None:
    port = listener.host.rsplit(":", 1)[1]
    with in_process_app(tmp_path, private_upstreams="deny") as (client, _):
        for domain in (f"http://{listener.host}", f"http://2130706433:{port}", f"http://localhost:{port}"):
            config = {"domain": domain, "connect_mode": "clientcredentials", **APP}
            assert_not_allowed(create(client, "salesforce", config, validate=True), "domain")
    assert listener.hits == []


def test_deny_refuses_the_instance_a_token_answer_names_and_the_proxy_keeps_off_it(tmp_path: Path) -> None:
    """The login host is allowed; the instance_url Salesforce answers with points at loopback."""
    with running_emulator(tmp_path / "sfemu") as sfemu:
        port = sfemu.base_url.rsplit(":", 1)[1]
        sfemu.org.config.public_url = f"http://[::1]:{port}"  # what token answers name as instance_url
        config = {"domain": sfemu.base_url, "connect_mode": "clientcredentials", **APP}
        allowed = f"127.0.0.1:{port}"
        with in_process_app(tmp_path / "s", private_upstreams="deny", upstream_allow=allowed) as (client, _):
            assert_not_allowed(create(client, "salesforce", config, validate=True), "instance_url")
            saved = create(client, "salesforce", config)  # not validated: saved, refused when used
            assert saved.status_code == 200, saved.text
            connection_id = saved.json()["data"]["id"]
            enabled = client.put(f"/api/connections/{connection_id}/proxy/settings", json={"enabled": True})
            assert enabled.status_code == 200, enabled.text
            proxied = client.post(
                f"/api/connections/{connection_id}/proxy",
                json={"request": {"method": "GET", "path": "/services/data/v62.0/limits"}},
            )
            assert_not_allowed(proxied)


def test_an_allowed_salesforce_org_works_under_deny(tmp_path: Path, org: EmulatorServer) -> None:
    port = org.base_url.rsplit(":", 1)[1]
    with in_process_app(tmp_path, private_upstreams="deny", upstream_allow=f"127.0.0.1:{port}") as (
        client,
        _,
    ):
        config = {"domain": org.base_url, "connect_mode": "clientcredentials", **APP}
        made = create(client, "salesforce", config, validate=True)
        assert made.status_code == 200, made.text
        assert made.json()["data"]["status"] == "healthy"
        connection_id = made.json()["data"]["id"]
        client.put(f"/api/connections/{connection_id}/proxy/settings", json={"enabled": True})
        proxied = client.post(
            f"/api/connections/{connection_id}/proxy",
            json={"request": {"method": "GET", "path": "/services/data/v62.0/limits"}},
        )
        assert proxied.status_code == 200, proxied.text
        assert proxied.json()["data"]["status"] == 200


# --- what an unreachable upstream says ---------------------------------------------------------------


@pytest.mark.parametrize("connect_mode", ["clientcredentials", "api"])
def test_a_closed_port_and_an_open_non_http_port_answer_alike(
    tmp_path: Path, closed_port: int, open_port: int, connect_mode: str
) -> None:
    """A Salesforce domain must not work as a port scanner: same status, same words, but the port."""
    answers = []
    with in_process_app(tmp_path) as (client, _):
        for port in (closed_port, open_port):
            config = {
                "domain": f"http://127.0.0.1:{port}",
                "connect_mode": connect_mode,
                "oauth_refresh_token": "a-refresh-token",
                **APP,
            }
            tested = client.post(
                "/api/connections/test", json={"type": "salesforce", "configuration": config}
            )
            made = create(client, "salesforce", config, validate=True)
            answers.append(
                [
                    (r.status_code, r.json()["key"], r.json()["message"].replace(str(port), "PORT"))
                    for r in (tested, made)
                ]
            )
    assert answers[0] == answers[1], answers
    assert "Could not reach Salesforce at http://127.0.0.1:PORT (no HTTP answer" in answers[0][0][2]


def wait_for_query(client: TestClient, query_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        data = client.get(f"/api/queries/{query_id}").json()["data"]
        if data["status"] in {"done", "failed"}:
            return dict(data)
        time.sleep(0.05)
    raise AssertionError(f"query {query_id} did not finish")
