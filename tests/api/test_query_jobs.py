"""Query-runner queries are jobs: a server stopped with SIGTERM marks a running query interrupted, a
crashed server's query is reconciled to interrupted by the next one, the jobs API answers for them, and
one organization's stuck queries leave workers for another's.

Each test runs a server of its own (SQLite in a fresh data dir), so stopping it disturbs no one else.
"""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import API_KEY, PG_ADMIN_URL
from tests.support.app import in_process_app
from tests.support.server import ServerProcess, free_port

PG = {"hostname": "127.0.0.1", "username": "postgres", "password": "", "database": "test", "ssl": False}
SLOW = "SELECT pg_sleep(600)"
WAIT_SECONDS = 30  # bounds a failure only
LOCK = 7_337_001  # an advisory lock key of this test's own


def own_server(data_dir: Path, **env: str) -> ServerProcess:
    return ServerProcess(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'syncline.db'}",
        api_key=API_KEY,
        port=free_port(),
        extra_env=env,
    )


@pytest.fixture
def server_dir(tmp_path: Path) -> Path:
    path = tmp_path / "syncline"
    path.mkdir()
    return path


def client(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)


def start_query(server: ServerProcess, query: str) -> str:
    with client(server) as http:
        connection = http.post(
            "/api/connections",
            json={"name": f"pg-{uuid.uuid4().hex[:6]}", "type": "postgresql", "configuration": PG},
        ).json()["data"]["id"]
        return http.post(f"/api/connections/{connection}/query", json={"query": query}).json()["data"]["id"]


def query_status(server: ServerProcess, query_id: str) -> dict[str, object]:
    with client(server) as http:
        return http.get(f"/api/queries/{query_id}").json()["data"]


def wait_for(server: ServerProcess, query_id: str, statuses: set[str]) -> dict[str, object]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        data = query_status(server, query_id)
        if data["status"] in statuses:
            return data
        time.sleep(0.05)
    raise AssertionError(f"query {query_id} never reached {statuses}: {data}")


@pytest.fixture
def running(server_dir: Path) -> Iterator[ServerProcess]:
    server = own_server(server_dir, SYNCLINE_JOB_SHUTDOWN_GRACE_SECONDS="0")
    server.start()
    yield server
    server.stop()


def test_sigterm_marks_a_running_query_interrupted(running: ServerProcess, server_dir: Path) -> None:
    query_id = start_query(running, SLOW)
    wait_for(running, query_id, {"running"})
    running.stop()  # SIGTERM; the query cannot finish within the grace period
    restarted = own_server(server_dir)
    restarted.start()
    try:
        data = query_status(restarted, query_id)
        assert data["status"] == "failed"
        assert str(data["error"]).startswith("interrupted")
        assert "shut down" in str(data["error"])
    finally:
        restarted.stop()


def test_a_crashed_servers_query_is_reconciled_to_interrupted(server_dir: Path) -> None:
    fast_reconcile = {"SYNCLINE_JOB_HEARTBEAT_SECONDS": "1", "SYNCLINE_JOB_STALE_AFTER_SECONDS": "2"}
    crashed = own_server(server_dir, **fast_reconcile)
    crashed.start()
    query_id = start_query(crashed, SLOW)
    wait_for(crashed, query_id, {"running"})
    assert crashed.process is not None
    crashed.process.send_signal(signal.SIGKILL)  # no shutdown: the job row stays `running`
    crashed.process.wait()
    crashed.process = None
    successor = own_server(server_dir, **fast_reconcile)
    successor.start()
    try:
        data = wait_for(successor, query_id, {"failed", "done"})
        assert data["status"] == "failed"
        assert "interrupted" in str(data["error"])
    finally:
        successor.stop()


def test_the_jobs_api_answers_for_a_query(running: ServerProcess) -> None:
    query_id = start_query(running, "SELECT 1 AS one")
    assert wait_for(running, query_id, {"done", "failed"})["status"] == "done"
    with client(running) as http:
        job = http.get(f"/api/jobs/query/{query_id}").json()["data"]
        assert job == {
            "job_id": query_id,
            "type": "query",
            "status": "done",
            "result": {"count": 1},
            "error": None,
        }
        assert http.get(f"/api/jobs/createmodel/{query_id}").status_code == 404


def _organization_key(http: httpx.Client, name: str) -> str:
    """An API key of a brand-new organization (made with the partner key)."""
    org = http.post("/api/organizations", json={"name": name}).json()["data"]["id"]
    user = http.post(f"/api/organizations/{org}/users", json={"email": f"{name}@example.com"}).json()["data"]
    return http.post(f"/api/organizations/{org}/users/{user['id']}/keys").json()["data"]["value"]


def _query(http: httpx.Client, key: str, text: str) -> str:
    headers = {"Authorization": f"Bearer {key}"}
    connection = http.post(
        "/api/connections", json={"name": "pg", "type": "postgresql", "configuration": PG}, headers=headers
    ).json()["data"]["id"]
    return http.post(f"/api/connections/{connection}/query", json={"query": text}, headers=headers).json()[
        "data"
    ]["id"]


def _status(http: httpx.Client, key: str, query_id: str) -> str:
    answer = http.get(f"/api/queries/{query_id}", headers={"Authorization": f"Bearer {key}"})
    return str(answer.json()["data"]["status"])


def test_one_organizations_stuck_queries_do_not_hold_anothers(tmp_path: Path) -> None:
    """Two workers: organization A's four queries wait on a lock the test holds; B's query still runs."""
    held = psycopg.connect(PG_ADMIN_URL, autocommit=True)
    held.execute("SELECT pg_advisory_lock(%s)", (LOCK,))
    try:
        with in_process_app(tmp_path / "syncline", serve=True, job_workers="2") as (http, _):
            a, b = _organization_key(http, "org-a"), _organization_key(http, "org-b")
            stuck = [_query(http, a, f"SELECT pg_advisory_xact_lock({LOCK})") for _ in range(4)]
            deadline = time.monotonic() + WAIT_SECONDS
            while "running" not in [_status(http, a, q) for q in stuck] and time.monotonic() < deadline:
                time.sleep(0.05)
            quick = _query(http, b, "SELECT 1 AS one")
            deadline = time.monotonic() + WAIT_SECONDS
            while _status(http, b, quick) not in {"done", "failed"} and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _status(http, b, quick) == "done"
            assert [_status(http, a, q) for q in stuck].count("running") == 1  # at most half the workers
            held.execute("SELECT pg_advisory_unlock(%s)", (LOCK,))
            for query_id in stuck:
                deadline = time.monotonic() + WAIT_SECONDS
                while _status(http, a, query_id) != "done" and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert _status(http, a, query_id) == "done"
    finally:
        held.close()
