"""Every BulkDestination (DuckDB files, a real PostgreSQL database), against one contract: modes, deletes,
the cursor committed with the data, nothing visible from an uncommitted run (a process killed mid-load
included), evolving tables, concurrent tables, clear refusals; then each backend's type mapping."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
import pytest

from syncline.connectors import ConnectorContext, get_connection_type
from syncline.connectors.errors import ConfigurationInvalid, RequestRejected
from syncline.connectors.protocols import BulkDestination, BulkMode

ACCOUNTS = pa.schema([("Id", pa.string()), ("Name", pa.string()), ("Employees", pa.int32())])


@dataclass
class Warehouse:
    """One destination under test: how to open it and how to read what it committed."""

    type_id: str
    config: dict[str, Any]
    ctx: ConnectorContext
    rows: Callable[[str, str | None], list[tuple[Any, ...]]]

    def open(self, **options: Any) -> BulkDestination:
        ctype = get_connection_type(self.type_id)
        assert ctype.bulk_destination is not None
        return ctype.bulk_destination(ctype.validate_config(self.config), self.ctx, options)


def duckdb_warehouse(tmp_path: Path) -> Warehouse:
    path = tmp_path / "org" / "warehouse.duckdb"

    def rows(table: str, namespace: str | None) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(path)) as conn:  # shares the destination's instance within the process
            return conn.execute(f'SELECT * FROM "{namespace or "main"}"."{table}" ORDER BY 1').fetchall()

    ctx = ConnectorContext(data_dir=tmp_path, files_dir=tmp_path / "org")
    return Warehouse("duckdb", {"path": "warehouse.duckdb"}, ctx, rows)


def postgres_warehouse(tmp_path: Path, url: str) -> Warehouse:
    def rows(table: str, namespace: str | None) -> list[tuple[Any, ...]]:
        with psycopg.connect(url) as conn:
            query = f'SELECT * FROM "{namespace or "public"}"."{table}" ORDER BY 1'
            return [tuple(row) for row in conn.execute(query).fetchall()]

    database = url.rsplit("/", 1)[1]
    config = {
        "hostname": "127.0.0.1",
        "username": "postgres",
        "password": "x",
        "database": database,
        "ssl": False,
    }
    return Warehouse("postgresql", config, ConnectorContext(data_dir=tmp_path), rows)


@pytest.fixture(params=["duckdb", "postgresql"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    if request.param == "duckdb":
        yield duckdb_warehouse(tmp_path)
    else:
        yield postgres_warehouse(tmp_path, request.getfixturevalue("scratch_pg_database"))


def accounts(*records: tuple[str, str, int | None]) -> pa.RecordBatch:
    ids, names, employees = zip(*records, strict=True) if records else ((), (), ())
    return pa.record_batch([list(ids), list(names), list(employees)], schema=ACCOUNTS)


def run(
    dest: BulkDestination,
    table: str,
    *batches: pa.RecordBatch,
    mode: BulkMode = BulkMode.REPLICATE,
    deleted: list[str] | None = None,
    cursor: dict[str, Any] | None = None,
) -> None:
    dest.prepare(table, batches[0].schema if batches else ACCOUNTS, ["Id"], mode=mode)
    for batch in batches:
        dest.load(table, batch)
    if deleted:
        dest.delete(table, pa.record_batch([pa.array(deleted, pa.string())], names=["Id"]))
    dest.commit(table, cursor)


def test_replicate_merges_on_the_key_and_removes_deleted_rows(warehouse: Warehouse) -> None:
    dest = warehouse.open(schema="salesforce")
    run(
        dest,
        "Account",
        accounts(("a1", "Acme", 10), ("a2", "Globex", 20), ("a3", "Initech", None)),
        cursor={"t": 1},
    )
    run(
        dest,
        "Account",
        accounts(("a2", "Globex Corp", 25), ("a4", "Umbrella", 4)),
        deleted=["a3"],
        cursor={"t": 2},
    )
    dest.close()
    assert warehouse.rows("Account", "salesforce") == [
        ("a1", "Acme", 10),
        ("a2", "Globex Corp", 25),
        ("a4", "Umbrella", 4),
    ]
    assert warehouse.open(schema="salesforce").cursor("Account") == {"t": 2}


def test_the_last_version_of_a_key_in_one_run_wins(warehouse: Warehouse) -> None:
    dest = warehouse.open()
    run(dest, "Account", accounts(("a1", "first", 1)), accounts(("a1", "second", 2), ("a1", "third", 3)))
    assert warehouse.rows("Account", None) == [("a1", "third", 3)]


def test_snapshot_replaces_and_append_accumulates(warehouse: Warehouse) -> None:
    dest = warehouse.open()
    run(dest, "Snap", accounts(("a1", "x", 1), ("a2", "y", 2)), mode=BulkMode.SNAPSHOT)
    run(dest, "Snap", accounts(("a3", "z", 3)), mode=BulkMode.SNAPSHOT)
    assert warehouse.rows("Snap", None) == [("a3", "z", 3)]
    run(dest, "Hist", accounts(("a1", "v1", 1)), mode=BulkMode.APPEND)
    run(dest, "Hist", accounts(("a1", "v2", 2)), mode=BulkMode.APPEND, deleted=["a1"])
    assert warehouse.rows("Hist", None) == [("a1", "v1", 1), ("a1", "v2", 2)]


def test_nothing_is_visible_before_commit_and_abort_keeps_the_last_commit(warehouse: Warehouse) -> None:
    dest = warehouse.open()
    run(dest, "Account", accounts(("a1", "Acme", 1)), cursor={"t": 1})
    dest.prepare("Account", ACCOUNTS, ["Id"], mode=BulkMode.REPLICATE)
    dest.load("Account", accounts(("a1", "changed", 9), ("a2", "new", 2)))
    dest.delete("Account", pa.record_batch([pa.array(["a1"])], names=["Id"]))
    assert warehouse.rows("Account", None) == [("a1", "Acme", 1)]  # another connection: the commit only
    dest.abort("Account")
    assert dest.cursor("Account") == {"t": 1}
    dest.close()
    assert warehouse.rows("Account", None) == [("a1", "Acme", 1)]


def test_a_process_killed_mid_load_leaves_the_last_commit(warehouse: Warehouse, tmp_path: Path) -> None:
    """SIGKILL-equivalent: the writer exits without commit or cleanup after staging a snapshot."""
    run_then_die = f"""
import os, pyarrow as pa
from pathlib import Path
from syncline.connectors import ConnectorContext, get_connection_type
from syncline.connectors.protocols import BulkMode
t = get_connection_type({warehouse.type_id!r})
ctx = ConnectorContext(data_dir=Path({str(tmp_path)!r}), files_dir=Path({str(tmp_path)!r}) / "org")
d = t.bulk_destination(t.validate_config({warehouse.config!r}), ctx, {{}})
schema = pa.schema([("Id", pa.string()), ("Name", pa.string()), ("Employees", pa.int32())])
d.prepare("Account", schema, ["Id"], mode=BulkMode.SNAPSHOT)
d.load("Account", pa.record_batch([["z"] * 50_000, ["gone"] * 50_000, [0] * 50_000], schema=schema))
os._exit(9)
"""
    dest = warehouse.open()
    run(dest, "Account", accounts(("a1", "Acme", 1)), cursor={"t": 1})
    dest.close()
    died = subprocess.run([sys.executable, "-c", run_then_die], capture_output=True, text=True, timeout=120)
    assert died.returncode == 9, died.stderr
    assert warehouse.rows("Account", None) == [("a1", "Acme", 1)]
    assert warehouse.open().cursor("Account") == {"t": 1}


def test_tables_evolve_without_losing_data(warehouse: Warehouse) -> None:
    dest = warehouse.open()
    run(dest, "Account", accounts(("a1", "Acme", 10)))
    wider = pa.schema(
        [("Id", pa.string()), ("Name", pa.string()), ("Employees", pa.int64()), ("Site", pa.string())]
    )
    run(dest, "Account", pa.record_batch([["a2"], ["Globex"], [2**40], ["HQ"]], schema=wider))
    as_text = pa.schema([("Id", pa.string()), ("Employees", pa.string())])
    run(dest, "Account", pa.record_batch([["a3"], ["many"]], schema=as_text))
    assert warehouse.rows("Account", None) == [
        ("a1", "Acme", "10", None),
        ("a2", "Globex", str(2**40), "HQ"),
        ("a3", None, "many", None),
    ]


OPPORTUNITY = pa.schema(
    [
        ("Id", pa.string()),
        ("Amount", pa.decimal128(18, 2)),
        ("CloseDate", pa.date32()),
        ("SystemModstamp", pa.timestamp("ms", tz="UTC")),
        ("IsWon", pa.bool_()),
        ("Interests", pa.list_(pa.string())),
        ("Probability", pa.float64()),
        ("Description", pa.string()),
    ]
)
STAMP = dt.datetime(2026, 3, 1, 12, 30, 15, 123000, tzinfo=dt.UTC)
AWKWARD = 'a "quoted", multi\nline \\ text, ünïcødé'
OPPORTUNITY_ROWS = [
    (
        "o1",
        Decimal("1234.50"),
        dt.date(2026, 4, 30),
        STAMP,
        True,
        ["Golf", 'Wine "red"', "a,b"],
        0.25,
        AWKWARD,
    ),
    ("o2", None, None, None, None, None, None, ""),
    ("o3", Decimal("0.01"), dt.date(1999, 12, 31), STAMP, False, [], 1.0, None),
]


def opportunities() -> pa.RecordBatch:
    return pa.record_batch([list(c) for c in zip(*OPPORTUNITY_ROWS, strict=True)], schema=OPPORTUNITY)


def test_values_survive_exactly(warehouse: Warehouse) -> None:
    """Decimals with their scale, dates, UTC datetimes, booleans, multipicklists, nulls vs empty text."""
    dest = warehouse.open()
    run(dest, "Opportunity", opportunities())
    dest.close()
    assert warehouse.rows("Opportunity", None) == OPPORTUNITY_ROWS


def test_duckdb_column_types(tmp_path: Path) -> None:
    warehouse = duckdb_warehouse(tmp_path)
    run(warehouse.open(), "Opportunity", opportunities())
    with duckdb.connect(str(tmp_path / "org" / "warehouse.duckdb")) as conn:
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'Opportunity'"
            ).fetchall()
        )
    assert types == {
        "Id": "VARCHAR",
        "Amount": "DECIMAL(18,2)",
        "CloseDate": "DATE",
        "SystemModstamp": "TIMESTAMP WITH TIME ZONE",
        "IsWon": "BOOLEAN",
        "Interests": "VARCHAR[]",
        "Probability": "DOUBLE",
        "Description": "VARCHAR",
    }


def test_postgresql_column_types(tmp_path: Path, scratch_pg_database: str) -> None:
    warehouse = postgres_warehouse(tmp_path, scratch_pg_database)
    run(warehouse.open(), "Opportunity", opportunities())
    with psycopg.connect(scratch_pg_database) as conn:
        types = dict(
            conn.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'public.\"Opportunity\"'::regclass AND attnum > 0"
            ).fetchall()
        )
    assert types == {
        "Id": "text",
        "Amount": "numeric(18,2)",
        "CloseDate": "date",
        "SystemModstamp": "timestamp with time zone",
        "IsWon": "boolean",
        "Interests": "text[]",
        "Probability": "double precision",
        "Description": "text",
    }


def test_tables_commit_from_threads_at_once(warehouse: Warehouse) -> None:
    dest = warehouse.open()
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def write(table: str) -> None:
        try:
            dest.prepare(table, ACCOUNTS, ["Id"], mode=BulkMode.REPLICATE)
            barrier.wait(timeout=30)
            for start in range(0, 3000, 1000):
                dest.load(table, accounts(*[(f"{table}{i}", table, i) for i in range(start, start + 1000)]))
            barrier.wait(timeout=30)
            dest.commit(table, {"table": table})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(name,)) for name in ("A", "B", "C")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    for name in ("A", "B", "C"):
        assert len(warehouse.rows(name, None)) == 3000
        assert dest.cursor(name) == {"table": name}


def test_bad_input_is_named(warehouse: Warehouse) -> None:
    with pytest.raises(ConfigurationInvalid, match=r"destination_configuration\.schema"):
        warehouse.open(schema="")
    dest = warehouse.open()
    with pytest.raises(RequestRejected, match="primary key"):
        dest.prepare("Account", ACCOUNTS, ["Nope"], mode=BulkMode.REPLICATE)
    with pytest.raises(RequestRejected, match="not prepared"):
        dest.load("Account", accounts(("a1", "x", 1)))
    dest.prepare("Account", ACCOUNTS, ["Id"], mode=BulkMode.REPLICATE)
    with pytest.raises(RequestRejected, match="already being written"):
        dest.prepare("Account", ACCOUNTS, ["Id"], mode=BulkMode.REPLICATE)
    dest.close()


def test_a_composite_key_merges_and_deletes_on_every_column(warehouse: Warehouse) -> None:
    schema = pa.schema([("Region", pa.string()), ("Code", pa.int32()), ("Value", pa.string())])
    dest = warehouse.open()

    def batch(*records: tuple[str, int, str]) -> pa.RecordBatch:
        return pa.record_batch([list(column) for column in zip(*records, strict=True)], schema=schema)

    dest.prepare("Rates", schema, ["Region", "Code"], mode=BulkMode.REPLICATE)
    dest.load("Rates", batch(("eu", 1, "a"), ("eu", 2, "b"), ("us", 1, "c")))
    dest.commit("Rates", None)
    dest.prepare("Rates", schema, ["Region", "Code"], mode=BulkMode.REPLICATE)
    dest.load("Rates", batch(("us", 1, "c2"), ("us", 2, "d")))
    dest.delete(
        "Rates", pa.record_batch([pa.array(["eu"]), pa.array([2], pa.int32())], names=["Region", "Code"])
    )
    dest.commit("Rates", None)
    assert sorted(warehouse.rows("Rates", None)) == [("eu", 1, "a"), ("us", 1, "c2"), ("us", 2, "d")]


def test_a_reconciliation_removes_what_was_neither_retained_nor_loaded(warehouse: Warehouse) -> None:
    dest = warehouse.open()
    run(dest, "Account", accounts(("a1", "x", 1), ("a2", "y", 2), ("a3", "z", 3), ("a4", "w", 4)))
    dest.prepare("Account", ACCOUNTS, ["Id"], mode=BulkMode.REPLICATE)
    dest.load("Account", accounts(("a5", "new", 5)))
    dest.retain("Account", pa.record_batch([pa.array(["a1"])], names=["Id"]))
    dest.retain("Account", pa.record_batch([pa.array(["a3", "a9"])], names=["Id"]))
    dest.commit("Account", None)
    assert warehouse.rows("Account", None) == [("a1", "x", 1), ("a3", "z", 3), ("a5", "new", 5)]
