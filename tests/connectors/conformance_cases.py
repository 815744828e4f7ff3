"""Real upstreams for the connector conformance suites: the local PostgreSQL server, a DuckDB file and
sfemu over HTTP, each holding the same five rows in a table (an object) with a primary key."""

from __future__ import annotations

import pathlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
import pytest

from sfemu.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from syncline.connectors import ConnectionConfig, ConnectionType, ConnectorContext, get_connection_type
from syncline.connectors.protocols import ModelSource
from tests.conftest import PG_ADMIN_URL
from tests.sfemu.conftest import sfemu_server, sfemu_server_factory  # noqa: F401
from tests.support.sfemu import EmulatorServer

ROWS = 5
NAMES = [f"Row {i}" for i in range(ROWS)]


@dataclass
class Case:
    """One upstream holding NAMES, and how to reach it through its connection type."""

    ctype: ConnectionType[Any]
    config: ConnectionConfig
    ctx: ConnectorContext
    source: ModelSource
    query: str  # selects the name and a number (and a boolean where the upstream has one) of the rows
    table: str  # a table or object holding the rows, with a primary key
    primary_key: tuple[str, ...]
    bad_query: str
    types: dict[str, pa.DataType]  # expected Arrow types of the query's columns


def _case(type_id: str, raw: dict[str, Any], data_dir: pathlib.Path, **rest: Any) -> Case:
    ctype = get_connection_type(type_id)
    config = ctype.validate_config(raw)
    ctx = ConnectorContext(data_dir=data_dir)
    return Case(ctype=ctype, config=config, ctx=ctx, source=ctype.open_model_source(config, ctx), **rest)


@pytest.fixture
def postgresql_case(tmp_path: pathlib.Path) -> Iterator[Case]:
    table = f"conformance_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount bigint, active boolean)")
        for i, name in enumerate(NAMES):
            conn.execute(f"INSERT INTO {table} VALUES (%s, %s, %s, %s)", (i, name, i * 10, i % 2 == 0))
    raw = {"hostname": "127.0.0.1", "username": "postgres", "password": "", "database": "test", "ssl": False}
    yield _case(
        "postgresql",
        raw,
        tmp_path,
        query=f"SELECT name, amount, active FROM {table} ORDER BY id",
        table=f"public.{table}",
        primary_key=("id",),
        bad_query="SELEC 1",
        types={"name": pa.string(), "amount": pa.int64(), "active": pa.bool_()},
    )
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {table}")


@pytest.fixture
def duckdb_case(tmp_path: pathlib.Path) -> Case:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        conn.execute(
            "CREATE TABLE rows (id INTEGER PRIMARY KEY, name VARCHAR, amount BIGINT, active BOOLEAN)"
        )
        for i, name in enumerate(NAMES):
            conn.execute("INSERT INTO rows VALUES (?, ?, ?, ?)", [i, name, i * 10, i % 2 == 0])
    return _case(
        "duckdb",
        {"path": "warehouse.duckdb"},
        tmp_path,
        query="SELECT name, amount, active FROM rows ORDER BY id",
        table="main.rows",
        primary_key=("id",),
        bad_query="SELEC 1",
        types={"name": pa.string(), "amount": pa.int64(), "active": pa.bool_()},
    )


@pytest.fixture
def salesforce_case(sfemu_server: EmulatorServer, tmp_path: pathlib.Path) -> Case:  # noqa: F811
    with sfemu_server.client() as http:
        token = http.post(
            "/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
            },
        ).json()["access_token"]
        for i, name in enumerate(NAMES):
            created = http.post(
                "/services/data/v62.0/sobjects/Account",
                json={"Name": name, "NumberOfEmployees": i * 10},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert created.status_code == 201, created.text
    raw = {
        "domain": sfemu_server.base_url,
        "connect_mode": "clientcredentials",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
    }
    return _case(
        "salesforce",
        raw,
        tmp_path,
        query="SELECT Name, NumberOfEmployees FROM Account ORDER BY Name",
        table="Account",
        primary_key=("Id",),
        bad_query="SELECT Name FORM Account",
        types={"Name": pa.string(), "NumberOfEmployees": pa.int64()},
    )


@pytest.fixture(params=["postgresql", "duckdb", "salesforce"])
def case(request: pytest.FixtureRequest) -> Case:
    return request.getfixturevalue(f"{request.param}_case")
