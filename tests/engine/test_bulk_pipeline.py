"""One schema's copy: rows streamed from a real PostgreSQL query into a real DuckDB destination, extract
and load overlapped within a bounded queue; a failing source, a stop request and a test run commit nothing
of theirs (a test run commits its five rows without a cursor)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from syncline.connectors import ConnectorContext, get_connection_type
from syncline.connectors.errors import QueryFailed
from syncline.connectors.protocols import BulkDestination, BulkMode, Relation
from syncline.engine.bulk_sync.pipeline import QUEUE_BATCHES, SchemaCopy, Shape, Stopped, copy_schema

POSTGRESQL = get_connection_type("postgresql")
DUCKDB = get_connection_type("duckdb")
PG = {"hostname": "127.0.0.1", "username": "postgres", "password": "x", "database": "test", "ssl": False}
ROWS = "SELECT n AS id, 'name ' || n AS name, n * 2 AS doubled FROM generate_series(1, {n}) AS n"


def source_rows(query: str, batch_rows: int = 1000) -> Iterator[pa.RecordBatch]:
    source = POSTGRESQL.open_model_source(POSTGRESQL.validate_config(PG), ConnectorContext(data_dir=Path()))
    return iter(source.stream(Relation(query=query), batch_rows=batch_rows))


def schema_of(query: str) -> pa.Schema:
    source = POSTGRESQL.open_model_source(POSTGRESQL.validate_config(PG), ConnectorContext(data_dir=Path()))
    return source.describe(Relation(query=query)).arrow_schema()


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[BulkDestination]:
    assert DUCKDB.bulk_destination is not None
    ctx = ConnectorContext(data_dir=tmp_path, files_dir=tmp_path)
    destination = DUCKDB.bulk_destination(DUCKDB.validate_config({"path": "w.duckdb"}), ctx, {})
    yield destination
    destination.close()


def table(tmp_path: Path, name: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        return conn.execute(f'SELECT * FROM main."{name}" ORDER BY 1').fetchall()


def plan(query: str, **overrides: Any) -> SchemaCopy:
    base: dict[str, Any] = {
        "table": "numbers",
        "source_schema": schema_of(query),
        "primary_key": ("id",),
        "mode": BulkMode.REPLICATE,
    }
    return SchemaCopy(**{**base, **overrides})


@pytest.mark.postgres
def test_rows_flow_shaped_and_commit_with_the_cursor(tmp_path: Path, warehouse: BulkDestination) -> None:
    query = ROWS.format(n=25_000)
    shape = Shape(fields=("id", "name"), obfuscated=frozenset({"name"}), output_names={"name": "secret"})
    outcome = copy_schema(
        plan(query, shape=shape), source_rows(query), warehouse, next_cursor=lambda: {"upto": 25_000}
    )
    assert (outcome.records, outcome.committed, outcome.cursor) == (25_000, True, {"upto": 25_000})
    rows = table(tmp_path, "numbers")
    assert len(rows) == 25_000
    assert rows[0][0] == 1
    assert len(rows[0][1]) == 64  # a SHA-256 digest, not the name
    assert rows[0][1] != "name 1"
    assert len({row[1] for row in rows}) == 25_000
    assert warehouse.cursor("numbers") == {"upto": 25_000}


@pytest.mark.postgres
def test_the_reader_stays_at_most_a_queue_ahead(warehouse: BulkDestination) -> None:
    query = ROWS.format(n=40_000)
    produced = 0
    ahead: list[int] = []

    def counted() -> Iterator[pa.RecordBatch]:
        nonlocal produced
        for batch in source_rows(query, batch_rows=500):
            produced += 1
            yield batch

    loaded = 0

    def on_batch(_rows: int) -> None:
        nonlocal loaded
        loaded += 1
        ahead.append(produced - loaded)

    copy_schema(plan(query), counted(), warehouse, next_cursor=lambda: None, on_batch=on_batch)
    assert loaded == 80
    assert max(ahead) <= QUEUE_BATCHES + 1  # the queue, plus the batch the reader holds while it waits


@pytest.mark.postgres
def test_a_source_failing_midway_commits_nothing(tmp_path: Path, warehouse: BulkDestination) -> None:
    first = ROWS.format(n=10)
    copy_schema(plan(first), source_rows(first), warehouse, next_cursor=lambda: {"run": 1})
    failing = "SELECT n AS id, 'x' AS name, 10 / (20000 - n) AS doubled FROM generate_series(1, 30000) AS n"
    with pytest.raises(QueryFailed, match="division by zero"):
        copy_schema(plan(failing), source_rows(failing), warehouse, next_cursor=lambda: {"run": 2})
    assert len(table(tmp_path, "numbers")) == 10
    assert warehouse.cursor("numbers") == {"run": 1}


@pytest.mark.postgres
def test_a_stop_request_commits_nothing(tmp_path: Path, warehouse: BulkDestination) -> None:
    query = ROWS.format(n=50_000)
    loaded = 0

    def on_batch(_rows: int) -> None:
        nonlocal loaded
        loaded += 1

    with pytest.raises(Stopped):
        copy_schema(
            plan(query),
            source_rows(query),
            warehouse,
            next_cursor=lambda: {"x": 1},
            on_batch=on_batch,
            should_stop=lambda: loaded >= 3,
        )
    assert warehouse.cursor("numbers") is None
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:  # even the new table went with the run
        tables = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")
        assert tables.fetchall() == []


@pytest.mark.postgres
def test_a_test_run_writes_five_rows_and_no_cursor(tmp_path: Path, warehouse: BulkDestination) -> None:
    query = ROWS.format(n=5_000)
    outcome = copy_schema(plan(query, test=True), source_rows(query), warehouse, next_cursor=lambda: {"x": 1})
    assert (outcome.records, outcome.cursor) == (5, None)
    assert [row[0] for row in table(tmp_path, "numbers")] == [1, 2, 3, 4, 5]
    assert warehouse.cursor("numbers") is None


@pytest.mark.postgres
def test_deleted_keys_are_removed_with_the_commit(tmp_path: Path, warehouse: BulkDestination) -> None:
    query = ROWS.format(n=100)
    copy_schema(plan(query), source_rows(query), warehouse, next_cursor=lambda: None)
    gone = pa.record_batch([pa.array([3, 4, 99], pa.int32())], names=["id"])
    later = "SELECT n AS id, 'new' AS name, 0 AS doubled FROM generate_series(1, 2) AS n"
    outcome = copy_schema(
        plan(later), source_rows(later), warehouse, next_cursor=lambda: {"t": 2}, deletes=lambda: [gone]
    )
    assert (outcome.records, outcome.deleted) == (2, 3)
    rows = table(tmp_path, "numbers")
    assert len(rows) == 97
    assert rows[:3] == [(1, "new", 0), (2, "new", 0), (5, "name 5", 10)]
