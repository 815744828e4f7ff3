"""The query runner through the official SDK: SQL on PostgreSQL and DuckDB, paging, errors."""

from __future__ import annotations

import time
import uuid

import duckdb
import pytest
from polytomic import Polytomic
from polytomic.core.api_error import ApiError

from tests.support.server import ServerProcess, organization_files


def wait(sdk: Polytomic, query_id: str, page: str | None = None):
    for _ in range(200):
        result = sdk.query_runner.get_query(id=query_id, page=page)
        if result.data.status in {"done", "failed", "unknown"}:
            return result
        time.sleep(0.05)
    raise AssertionError("query did not finish")


@pytest.fixture
def pg_connection(sdk: Polytomic) -> str:
    return sdk.connections.create(
        name=f"pg-{uuid.uuid4().hex[:6]}",
        type="postgresql",
        configuration={
            "hostname": "127.0.0.1",
            "username": "postgres",
            "password": "x",
            "database": "test",
            "ssl": False,
        },
    ).data.id


def test_sql_on_postgresql_through_the_sdk(sdk: Polytomic, pg_connection: str) -> None:
    started = sdk.query_runner.run_query(
        connection_id=pg_connection, query="SELECT n, n * 2 AS doubled FROM generate_series(1, 250) AS n"
    )
    assert started.data.status in {"created", "running", "done"}
    done = wait(sdk, started.data.id)
    assert done.data.status == "done"
    assert done.data.fields == ["n", "doubled"]
    assert done.data.count == 250
    assert done.data.results[0] == {"n": 1, "doubled": 2}
    assert done.links.previous is None
    token = done.links.next.split("page=")[1]
    second = wait(sdk, started.data.id, page=token)
    assert second.data.results[0] == {"n": 101, "doubled": 202}
    third = wait(sdk, started.data.id, page=second.links.next.split("page=")[1])
    assert len(third.data.results) == 50
    assert third.links.next is None


def test_query_error_is_the_upstream_message(sdk: Polytomic, pg_connection: str) -> None:
    started = sdk.query_runner.run_query(connection_id=pg_connection, query="SELEC 1")
    failed = wait(sdk, started.data.id)
    assert failed.data.status == "failed"
    assert "syntax error" in failed.data.error


def test_query_runner_is_read_only(sdk: Polytomic, pg_connection: str) -> None:
    started = sdk.query_runner.run_query(
        connection_id=pg_connection, query="CREATE TABLE nope_query_runner (x int)"
    )
    failed = wait(sdk, started.data.id)
    assert failed.data.status == "failed"
    assert "read-only" in failed.data.error


def test_sql_on_duckdb_with_the_query_in_the_body(sdk: Polytomic, server: ServerProcess, http) -> None:
    name = f"q-{uuid.uuid4().hex[:6]}"
    files = organization_files(server.data_dir, sdk.identity.get().data.organization_id)
    with duckdb.connect(str(files / f"{name}.duckdb")) as conn:
        conn.execute("CREATE TABLE accounts AS SELECT 'Acme' AS name, DATE '2024-01-15' AS since")
    connection = sdk.connections.create(
        name=name, type="duckdb", configuration={"path": f"{name}.duckdb"}
    ).data
    started = http.post(f"/api/connections/{connection.id}/query", json={"query": "SELECT * FROM accounts"})
    assert started.status_code == 200
    done = wait(sdk, started.json()["data"]["id"])
    assert done.data.results == [{"name": "Acme", "since": "2024-01-15"}]


def test_missing_query_and_unknown_ids(sdk: Polytomic, pg_connection: str, other_org_sdk: Polytomic) -> None:
    with pytest.raises(ApiError) as err:
        sdk.query_runner.run_query(connection_id=pg_connection)
    assert err.value.status_code == 422
    started = sdk.query_runner.run_query(connection_id=pg_connection, query="SELECT 1 AS one")
    with pytest.raises(ApiError) as err:
        other_org_sdk.query_runner.get_query(id=started.data.id)  # another organization's query
    assert err.value.status_code == 404
    with pytest.raises(ApiError) as err:
        other_org_sdk.query_runner.run_query(connection_id=pg_connection, query="SELECT 1")
    assert err.value.status_code == 404
