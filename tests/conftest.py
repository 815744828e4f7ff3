"""Shared fixtures: real syncline servers (a subprocess on loopback) over SQLite and PostgreSQL."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from polytomic import Polytomic

from tests.support.listeners import banner_port
from tests.support.server import ServerProcess, free_port

PG_ADMIN_URL = os.environ.get("SYNCLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
API_KEY = "sl_test_partner_key_0123456789"


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the local server; dropped afterwards."""
    name = f"syncline_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The PostgreSQL database of the session's shared server."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def scratch_pg_database() -> Iterator[str]:
    """A PostgreSQL database of the test's own, for tests that change the schema."""
    with fresh_pg_database() as url:
        yield url


def database_url_for(backend: str, data_dir: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{data_dir / 'syncline.db'}"
    url = request.getfixturevalue("pg_database")
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """One running `syncline serve` per metadata backend, shared by the API tests."""
    backend = request.param
    data_dir = tmp_path_factory.mktemp(f"syncline-{backend}")
    proc = ServerProcess(
        data_dir=data_dir,
        database_url=database_url_for(backend, data_dir, request),
        api_key=API_KEY,
        port=free_port(),
        backend=backend,
    )
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections for the whole test: bound by the test, never listening
    (a port merely found free could be taken by anyone, such as the demo on 8443)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@pytest.fixture
def open_port() -> Iterator[int]:
    """A loopback port with a listener that speaks neither HTTP nor PostgreSQL."""
    with banner_port() as port:
        yield port


@pytest.fixture
def sdk(server: ServerProcess) -> Polytomic:
    """The official SDK, pointed at our server, without retries so every answer is the first one."""
    return Polytomic(token=server.api_key, base_url=server.base_url, max_retries=0)


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    """A raw HTTP client authenticated with the partner key."""
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {server.api_key}"}, timeout=30
    ) as client:
        yield client


@pytest.fixture
def other_org_sdk(sdk: Polytomic, server: ServerProcess) -> Polytomic:
    """The SDK with a user key of a brand-new organization (not the partner's own)."""
    org = sdk.organization.create(name=f"other-{uuid.uuid4().hex[:8]}").data
    user = sdk.users.create(org_id=org.id, email=f"u-{uuid.uuid4().hex[:6]}@example.com").data
    key = sdk.users.create_api_key(org_id=org.id, id=user.id).data.value
    return Polytomic(token=key, base_url=server.base_url, max_retries=0)
