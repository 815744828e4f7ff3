"""`Idempotency-Key`: the first outcome of a keyed request is replayed; a key in flight is a 409."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import ServerProcess, free_port

REPLAYED = "idempotent-replayed"
ERROR_KEYS = {"key", "message", "status", "metadata"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def new_key() -> str:
    return f"idem-{uuid.uuid4().hex}"


def duckdb_body(name: str | None = None) -> dict[str, Any]:
    name = name or unique("duck")
    return {"name": name, "type": "duckdb", "configuration": {"path": f"{name}.duckdb"}}


def postgres_body(port: int, *, validate: bool = False) -> dict[str, Any]:
    return {
        "name": unique("pg"),
        "type": "postgresql",
        "validate": validate,
        "configuration": {
            "hostname": "127.0.0.1",
            "port": port,
            "username": "postgres",
            "password": "x",
            "database": "test",
            "ssl": False,
        },
    }


def connections_named(http: httpx.Client, name: str) -> list[dict[str, Any]]:
    response = http.get("/api/connections")
    assert response.status_code == 200
    return [c for c in response.json()["data"] if c["name"] == name]


def keyed_post(
    client: httpx.Client, body: dict[str, Any], key: str, path: str = "/api/connections"
) -> httpx.Response:
    return client.post(path, json=body, headers={"Idempotency-Key": key})


def client_with(server: ServerProcess, api_key: str) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30)


def other_org_api_key(http: httpx.Client) -> str:
    """A user key of a new organization managed by the partner."""
    org = http.post("/api/organizations", json={"name": unique("org")}).json()["data"]
    user = http.post(
        f"/api/organizations/{org['id']}/users", json={"email": f"{unique('user')}@example.com"}
    ).json()["data"]
    return http.post(f"/api/organizations/{org['id']}/users/{user['id']}/keys").json()["data"]["value"]


class SilentListener:
    """A TCP listener that accepts connections and never says a word, so a PostgreSQL client waits."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self._open.append(conn)
            self.accepted.set()

    def close(self) -> None:
        """Stop listening and hang up on every client: they then fail at once."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()
        for conn in self._open:
            conn.close()


@pytest.fixture
def silent_listener() -> Iterator[SilentListener]:
    listener = SilentListener()
    yield listener
    listener.close()


# --- replay ------------------------------------------------------------------------------------


def test_replayed_post_returns_first_response(http: httpx.Client) -> None:
    key, body = new_key(), duckdb_body()

    first = keyed_post(http, body, key)
    second = keyed_post(http, body, key)

    assert first.status_code == 200
    assert REPLAYED not in first.headers
    assert second.status_code == first.status_code
    assert second.headers[REPLAYED] == "true"
    assert second.content == first.content
    assert second.headers["content-type"] == first.headers["content-type"]
    assert [c["id"] for c in connections_named(http, body["name"])] == [first.json()["data"]["id"]]


def test_replay_keeps_the_version_header_once(http: httpx.Client) -> None:
    key, body = new_key(), duckdb_body()
    keyed_post(http, body, key)

    replay = keyed_post(http, body, key)

    assert replay.headers.get_list("X-Polytomic-Version") == ["2025-09-18"]
    assert len(replay.headers.get_list("content-length")) == 1


def test_the_same_key_with_another_body_is_refused_not_replayed(http: httpx.Client) -> None:
    key, body = new_key(), duckdb_body()
    keyed_post(http, body, key)

    changed = duckdb_body()
    second = keyed_post(http, changed, key)

    assert second.status_code == 422
    assert second.json()["key"] == "idempotency_key_reused"
    assert REPLAYED not in second.headers
    assert connections_named(http, changed["name"]) == []


def test_the_same_key_on_another_method_or_path_is_refused(http: httpx.Client) -> None:
    """Before, a DELETE sent with a create's key replayed the create's 200 and deleted nothing."""
    key = new_key()
    created = keyed_post(http, duckdb_body(), key).json()["data"]
    deleting = http.delete(f"/api/connections/{created['id']}", headers={"Idempotency-Key": key})
    assert deleting.status_code == 422
    assert deleting.json()["key"] == "idempotency_key_reused"
    assert http.get(f"/api/connections/{created['id']}").status_code == 200


def test_an_error_is_replayed_to_the_same_request(http: httpx.Client) -> None:
    key = new_key()
    invalid = postgres_body(port=70000)

    first = keyed_post(http, invalid, key)
    retry = keyed_post(http, invalid, key)

    assert first.status_code == 422
    assert first.json()["key"] == "invalid_configuration"
    assert retry.status_code == 422
    assert retry.headers[REPLAYED] == "true"
    assert retry.json() == first.json()
    assert connections_named(http, invalid["name"]) == []


def test_malformed_body_error_is_replayed(http: httpx.Client) -> None:
    key = new_key()
    headers = {"Idempotency-Key": key, "Content-Type": "application/json"}

    first = http.post("/api/connections", content=b"{oops", headers=headers)
    second = http.post("/api/connections", content=b"{oops", headers=headers)

    assert first.status_code == 400
    assert second.status_code == 400
    assert second.headers[REPLAYED] == "true"
    assert second.content == first.content


def test_replayed_delete_returns_204_again(http: httpx.Client) -> None:
    connection_id = http.post("/api/connections", json=duckdb_body()).json()["data"]["id"]
    key = new_key()

    first = http.delete(f"/api/connections/{connection_id}", headers={"Idempotency-Key": key})
    replay = http.delete(f"/api/connections/{connection_id}", headers={"Idempotency-Key": key})
    unkeyed = http.delete(f"/api/connections/{connection_id}")

    assert first.status_code == 204
    assert replay.status_code == 204
    assert replay.headers[REPLAYED] == "true"
    assert unkeyed.status_code == 404


# --- key format --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["seven77", "k" * 256, "has space-123", "dots.are.bad", "slash/not/ok", b"\xfcnic\xf6de-key", ""],
    ids=["7-chars", "256-chars", "space", "dots", "slash", "non-ascii", "empty"],
)
def test_malformed_key_is_400_naming_the_header(http: httpx.Client, key: str | bytes) -> None:
    body = duckdb_body()

    response = http.post("/api/connections", json=body, headers={"Idempotency-Key": key})

    assert response.status_code == 400
    error = response.json()
    assert set(error) == ERROR_KEYS
    assert error["status"] == 400
    assert error["metadata"]["header"] == "Idempotency-Key"
    assert "Idempotency-Key" in error["message"]
    assert connections_named(http, body["name"]) == []


@pytest.mark.parametrize("length", [8, 255])
def test_key_length_bounds_are_inclusive(http: httpx.Client, length: int) -> None:
    key, body = ("_-" + uuid.uuid4().hex * 8)[:length], duckdb_body()

    first = keyed_post(http, body, key)
    second = keyed_post(http, body, key)

    assert first.status_code == 200
    assert second.headers[REPLAYED] == "true"


# --- scope -------------------------------------------------------------------------------------


def test_same_key_under_another_api_key_is_independent(server: ServerProcess, http: httpx.Client) -> None:
    key = new_key()
    mine = keyed_post(http, duckdb_body(), key)

    with client_with(server, other_org_api_key(http)) as other:
        theirs_body = duckdb_body()
        theirs = keyed_post(other, theirs_body, key)
        assert [c["id"] for c in connections_named(other, theirs_body["name"])] == [
            theirs.json()["data"]["id"]
        ]

    assert theirs.status_code == 200
    assert REPLAYED not in theirs.headers
    assert theirs.json()["data"]["id"] != mine.json()["data"]["id"]
    assert theirs.json()["data"]["organization_id"] != mine.json()["data"]["organization_id"]


def test_key_scope_follows_the_api_key_not_the_header_spelling(
    server: ServerProcess, http: httpx.Client
) -> None:
    key, body = new_key(), duckdb_body()
    first = keyed_post(http, body, key)

    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"bearer {server.api_key}"}
    ) as other:
        second = keyed_post(other, body, key)

    assert second.headers.get(REPLAYED) == "true"
    assert second.json() == first.json()


def test_unauthorized_request_does_not_claim_the_key(server: ServerProcess, http: httpx.Client) -> None:
    key, body = new_key(), duckdb_body()
    with client_with(server, "sl_not_a_real_key_42") as stranger:
        rejected = keyed_post(stranger, body, key)
        rejected_again = keyed_post(stranger, body, key)

    assert rejected.status_code == 401
    assert REPLAYED not in rejected_again.headers
    created = keyed_post(http, body, key)
    assert created.status_code == 200
    assert REPLAYED not in created.headers


def test_get_ignores_the_key(http: httpx.Client) -> None:
    key = new_key()
    before = http.get("/api/connections", headers={"Idempotency-Key": key})
    body = duckdb_body()
    http.post("/api/connections", json=body)

    after = http.get("/api/connections", headers={"Idempotency-Key": key})

    assert before.status_code == after.status_code == 200
    assert REPLAYED not in after.headers
    assert body["name"] in [c["name"] for c in after.json()["data"]]


def test_get_ignores_a_malformed_key(http: httpx.Client) -> None:
    response = http.get("/api/me", headers={"Idempotency-Key": "bad key!"})

    assert response.status_code == 200


def test_unsupported_version_does_not_claim_the_key(http: httpx.Client) -> None:
    key, body = new_key(), duckdb_body()

    rejected = http.post(
        "/api/connections", json=body, headers={"Idempotency-Key": key, "X-Polytomic-Version": "2099-01-01"}
    )
    created = keyed_post(http, body, key)

    assert rejected.status_code == 400
    assert created.status_code == 200
    assert REPLAYED not in created.headers


# --- in flight ---------------------------------------------------------------------------------


def test_concurrent_request_with_key_in_flight_is_409(
    server: ServerProcess, silent_listener: SilentListener
) -> None:
    key = new_key()
    body = postgres_body(silent_listener.port, validate=True)

    with (
        client_with(server, server.api_key or "") as first_client,
        client_with(server, server.api_key or "") as second_client,
        ThreadPoolExecutor(1) as pool,
    ):
        first = pool.submit(keyed_post, first_client, body, key)
        assert silent_listener.accepted.wait(10), "the first request never reached the listener"
        concurrent = keyed_post(second_client, body, key)
        silent_listener.close()
        first_response = first.result(timeout=15)
        replay = keyed_post(second_client, body, key)

    assert concurrent.status_code == 409
    error = concurrent.json()
    assert set(error) == ERROR_KEYS
    assert error["status"] == 409
    assert error["metadata"]["header"] == "Idempotency-Key"
    assert concurrent.headers["Retry-After"] == "1"
    assert REPLAYED not in concurrent.headers
    assert first_response.status_code == 422
    assert first_response.json()["key"] == "connection_test_failed"
    assert replay.headers[REPLAYED] == "true"
    assert replay.content == first_response.content


# --- durability --------------------------------------------------------------------------------


def test_stored_outcome_survives_restart(tmp_path: Path) -> None:
    api_key = "sl_test_restart_key_0123456789"
    proc = ServerProcess(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'syncline.db'}",
        api_key=api_key,
        port=free_port(),
    )
    key, body = new_key(), duckdb_body()
    proc.start()
    try:
        with client_with(proc, api_key) as client:
            first = keyed_post(client, body, key)
        proc.stop()
        proc.port = free_port()
        proc.start()
        with client_with(proc, api_key) as client:
            replay = keyed_post(client, body, key)
            assert len(connections_named(client, body["name"])) == 1
    finally:
        proc.stop()

    assert first.status_code == 200
    assert replay.status_code == 200
    assert replay.headers[REPLAYED] == "true"
    assert replay.content == first.content
