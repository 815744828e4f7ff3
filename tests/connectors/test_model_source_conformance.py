"""The ModelSource conformance suite: every connection type that is a model source passes the same checks.

Each case is a real upstream (the local PostgreSQL server, a DuckDB file, sfemu over HTTP) holding the
same five rows; the checks are the protocol's promises: described fields with Arrow types, batches that
match the description and stay within `batch_rows`, primary keys of tables, and refusals in categories.
"""

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
from syncline.connectors import ConnectorContext, get_connection_type
from syncline.connectors.errors import ConnectorError, ErrorCategory
from syncline.connectors.protocols import ModelSource, Relation
from tests.conftest import PG_ADMIN_URL
from tests.sfemu.conftest import sfemu_server, sfemu_server_factory  # noqa: F401
from tests.support.sfemu import EmulatorServer

ROWS = 5
NAMES = [f"Row {i}" for i in range(ROWS)]


@dataclass
class Case:
    """One upstream holding NAMES, and how to read them through its type's ModelSource."""

    source: ModelSource
    query: str  # selects the name and a number (and a boolean where the upstream has one) of the rows
    table: str  # a table or object holding the rows, with a primary key
    primary_key: tuple[str, ...]
    bad_query: str
    types: dict[str, pa.DataType]  # expected Arrow types of the query's columns


def _source(type_id: str, raw: dict[str, Any], data_dir: pathlib.Path) -> ModelSource:
    ctype = get_connection_type(type_id)
    return ctype.open_model_source(ctype.validate_config(raw), ConnectorContext(data_dir=data_dir))


@pytest.fixture
def postgresql_case(tmp_path: pathlib.Path) -> Iterator[Case]:
    table = f"conformance_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount bigint, active boolean)")
        for i, name in enumerate(NAMES):
            conn.execute(f"INSERT INTO {table} VALUES (%s, %s, %s, %s)", (i, name, i * 10, i % 2 == 0))
    raw = {"hostname": "127.0.0.1", "username": "postgres", "password": "", "database": "test", "ssl": False}
    yield Case(
        source=_source("postgresql", raw, tmp_path),
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
    return Case(
        source=_source("duckdb", {"path": "warehouse.duckdb"}, tmp_path),
        query="SELECT name, amount, active FROM rows ORDER BY id",
        table="rows",
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
    return Case(
        source=_source("salesforce", raw, tmp_path),
        query="SELECT Name, NumberOfEmployees FROM Account ORDER BY Name",
        table="Account",
        primary_key=("Id",),
        bad_query="SELECT Name FORM Account",
        types={"Name": pa.string(), "NumberOfEmployees": pa.int64()},
    )


@pytest.fixture(params=["postgresql", "duckdb", "salesforce"])
def case(request: pytest.FixtureRequest) -> Case:
    return request.getfixturevalue(f"{request.param}_case")


def test_every_model_source_type_is_in_the_suite() -> None:
    from syncline.connectors import all_connection_types

    assert {t.id for t in all_connection_types() if t.model_source is not None} == {
        "postgresql",
        "duckdb",
        "salesforce",
    }


def test_a_query_is_described_with_arrow_types(case: Case) -> None:
    described = case.source.describe(Relation.of_query(case.query))
    assert [f.name for f in described.fields] == list(case.types)
    assert {f.name: f.type for f in described.fields} == case.types


def test_batches_match_the_description_and_stay_within_batch_rows(case: Case) -> None:
    schema = case.source.describe(Relation.of_query(case.query)).arrow_schema()
    batches = list(case.source.stream(Relation.of_query(case.query), batch_rows=2))
    assert [b.num_rows for b in batches] == [2, 2, 1]
    for batch in batches:
        assert batch.schema.names == schema.names
        assert batch.schema.types == schema.types
    table = pa.Table.from_batches(batches)
    assert table.column(0).to_pylist() == NAMES


def test_values_round_trip_through_arrow(case: Case) -> None:
    table = pa.Table.from_batches(list(case.source.stream(Relation.of_query(case.query))))
    numbers = table.column(list(case.types)[1]).to_pylist()
    assert numbers == [i * 10 for i in range(ROWS)]
    assert pa.Table.from_pylist(table.to_pylist(), schema=table.schema).equals(table)


def test_a_table_is_described_with_its_primary_key_and_read_whole(case: Case) -> None:
    described = case.source.describe(Relation.of_table(case.table))
    assert described.primary_key == case.primary_key
    assert set(case.primary_key) <= {f.name for f in described.fields}
    rows = sum(b.num_rows for b in case.source.stream(Relation.of_table(case.table), batch_rows=3))
    assert rows == ROWS


def test_a_refused_query_is_a_request_error(case: Case) -> None:
    with pytest.raises(ConnectorError) as refused:
        list(case.source.stream(Relation.of_query(case.bad_query)))
    assert refused.value.category is ErrorCategory.REQUEST
    assert str(refused.value)
