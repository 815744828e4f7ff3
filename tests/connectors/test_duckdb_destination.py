"""DuckDB as a bulk-sync destination, on real files: modes, deletes, cursor committed with the data,
nothing visible from an uncommitted run (a process killed mid-load included), evolving tables, types."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from syncline.connectors import ConnectorContext, get_connection_type
from syncline.connectors.errors import ConfigurationInvalid, RequestRejected
from syncline.connectors.protocols import BulkDestination, BulkMode

DUCKDB = get_connection_type("duckdb")
ACCOUNTS = pa.schema([("Id", pa.string()), ("Name", pa.string()), ("Employees", pa.int32())])


def destination(tmp_path: Path, **options: Any) -> BulkDestination:
    ctx = ConnectorContext(data_dir=tmp_path, files_dir=tmp_path / "org")
    assert DUCKDB.bulk_destination is not None
    return DUCKDB.bulk_destination(DUCKDB.validate_config({"path": "warehouse.duckdb"}), ctx, options)


def rows(tmp_path: Path, table: str, namespace: str = "main") -> list[tuple[Any, ...]]:
    with duckdb.connect(str(tmp_path / "org" / "warehouse.duckdb")) as conn:
        return conn.execute(f'SELECT * FROM "{namespace}"."{table}" ORDER BY 1').fetchall()


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


def test_replicate_merges_on_the_key_and_removes_deleted_rows(tmp_path: Path) -> None:
    dest = destination(tmp_path, schema="salesforce")
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
    assert rows(tmp_path, "Account", "salesforce") == [
        ("a1", "Acme", 10),
        ("a2", "Globex Corp", 25),
        ("a4", "Umbrella", 4),
    ]
    assert destination(tmp_path, schema="salesforce").cursor("Account") == {"t": 2}


def test_the_last_version_of_a_key_in_one_run_wins(tmp_path: Path) -> None:
    dest = destination(tmp_path)
    run(dest, "Account", accounts(("a1", "first", 1)), accounts(("a1", "second", 2), ("a1", "third", 3)))
    assert rows(tmp_path, "Account") == [("a1", "third", 3)]


def test_snapshot_replaces_and_append_accumulates(tmp_path: Path) -> None:
    dest = destination(tmp_path)
    run(dest, "Snap", accounts(("a1", "x", 1), ("a2", "y", 2)), mode=BulkMode.SNAPSHOT)
    run(dest, "Snap", accounts(("a3", "z", 3)), mode=BulkMode.SNAPSHOT)
    assert rows(tmp_path, "Snap") == [("a3", "z", 3)]
    run(dest, "Hist", accounts(("a1", "v1", 1)), mode=BulkMode.APPEND)
    run(dest, "Hist", accounts(("a1", "v2", 2)), mode=BulkMode.APPEND, deleted=["a1"])
    assert rows(tmp_path, "Hist") == [("a1", "v1", 1), ("a1", "v2", 2)]


def test_nothing_is_visible_before_commit_and_abort_keeps_the_last_commit(tmp_path: Path) -> None:
    dest = destination(tmp_path)
    run(dest, "Account", accounts(("a1", "Acme", 1)), cursor={"t": 1})
    dest.prepare("Account", ACCOUNTS, ["Id"], mode=BulkMode.REPLICATE)
    dest.load("Account", accounts(("a1", "changed", 9), ("a2", "new", 2)))
    dest.delete("Account", pa.record_batch([pa.array(["a1"])], names=["Id"]))
    # Another connection to the same database (one instance within a process) sees only the commit.
    with duckdb.connect(str(tmp_path / "org" / "warehouse.duckdb")) as reader:
        assert reader.execute('SELECT * FROM main."Account"').fetchall() == [("a1", "Acme", 1)]
    dest.abort("Account")
    assert dest.cursor("Account") == {"t": 1}
    dest.close()
    assert rows(tmp_path, "Account") == [("a1", "Acme", 1)]


def test_a_process_killed_mid_load_leaves_the_last_commit(tmp_path: Path) -> None:
    """SIGKILL-equivalent: the writer exits without commit or cleanup after staging rows and deletes."""
    run_then_die = f"""
import os, pyarrow as pa
from pathlib import Path
from syncline.connectors import ConnectorContext, get_connection_type
from syncline.connectors.protocols import BulkMode
t = get_connection_type("duckdb")
ctx = ConnectorContext(data_dir=Path({str(tmp_path)!r}), files_dir=Path({str(tmp_path)!r}) / "org")
d = t.bulk_destination(t.validate_config({{"path": "warehouse.duckdb"}}), ctx, {{}})
schema = pa.schema([("Id", pa.string()), ("Name", pa.string()), ("Employees", pa.int32())])
d.prepare("Account", schema, ["Id"], mode=BulkMode.SNAPSHOT)
d.load("Account", pa.record_batch([["z"] * 50_000, ["gone"] * 50_000, [0] * 50_000], schema=schema))
os._exit(9)
"""
    dest = destination(tmp_path)
    run(dest, "Account", accounts(("a1", "Acme", 1)), cursor={"t": 1})
    dest.close()
    died = subprocess.run([sys.executable, "-c", run_then_die], capture_output=True, text=True, timeout=120)
    assert died.returncode == 9, died.stderr
    assert rows(tmp_path, "Account") == [("a1", "Acme", 1)]
    assert destination(tmp_path).cursor("Account") == {"t": 1}


def test_tables_evolve_without_losing_data(tmp_path: Path) -> None:
    dest = destination(tmp_path)
    run(dest, "Account", accounts(("a1", "Acme", 10)))
    wider = pa.schema(
        [("Id", pa.string()), ("Name", pa.string()), ("Employees", pa.int64()), ("Site", pa.string())]
    )
    run(dest, "Account", pa.record_batch([["a2"], ["Globex"], [2**40], ["HQ"]], schema=wider))
    as_text = pa.schema([("Id", pa.string()), ("Employees", pa.string())])
    run(dest, "Account", pa.record_batch([["a3"], ["many"]], schema=as_text))
    assert rows(tmp_path, "Account") == [
        ("a1", "Acme", "10", None),
        ("a2", "Globex", str(2**40), "HQ"),
        ("a3", None, "many", None),
    ]


def test_types_survive_faithfully(tmp_path: Path) -> None:
    schema = pa.schema(
        [
            ("Id", pa.string()),
            ("Amount", pa.decimal128(18, 2)),
            ("CloseDate", pa.date32()),
            ("SystemModstamp", pa.timestamp("ms", tz="UTC")),
            ("IsWon", pa.bool_()),
            ("Interests", pa.list_(pa.string())),
            ("Probability", pa.float64()),
        ]
    )
    stamp = dt.datetime(2026, 3, 1, 12, 30, 15, 123000, tzinfo=dt.UTC)
    batch = pa.record_batch(
        [["o1"], [Decimal("1234.50")], [dt.date(2026, 4, 30)], [stamp], [True], [["Golf", "Wine"]], [0.25]],
        schema=schema,
    )
    dest = destination(tmp_path)
    run(dest, "Opportunity", batch)
    dest.close()
    with duckdb.connect(str(tmp_path / "org" / "warehouse.duckdb")) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'Opportunity'"
            ).fetchall()
        )
        row = conn.execute('SELECT * FROM main."Opportunity"').fetchone()
    assert types == {
        "Id": "VARCHAR",
        "Amount": "DECIMAL(18,2)",
        "CloseDate": "DATE",
        "SystemModstamp": "TIMESTAMP WITH TIME ZONE",
        "IsWon": "BOOLEAN",
        "Interests": "VARCHAR[]",
        "Probability": "DOUBLE",
    }
    assert row == ("o1", Decimal("1234.50"), dt.date(2026, 4, 30), stamp, True, ["Golf", "Wine"], 0.25)


def test_tables_commit_from_threads_at_once(tmp_path: Path) -> None:
    dest = destination(tmp_path)
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
        assert len(rows(tmp_path, name)) == 3000
        assert dest.cursor(name) == {"table": name}


def test_bad_input_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationInvalid, match=r"destination_configuration\.schema"):
        destination(tmp_path, schema="no such; schema")
    dest = destination(tmp_path)
    with pytest.raises(RequestRejected, match="primary key"):
        dest.prepare("Account", ACCOUNTS, ["Nope"], mode=BulkMode.REPLICATE)
    with pytest.raises(RequestRejected, match="not prepared"):
        dest.load("Account", accounts(("a1", "x", 1)))
    dest.prepare("Account", ACCOUNTS, ["Id"], mode=BulkMode.REPLICATE)
    with pytest.raises(RequestRejected, match="already being written"):
        dest.prepare("Account", ACCOUNTS, ["Id"], mode=BulkMode.REPLICATE)
    dest.close()


def test_a_composite_key_merges_and_deletes_on_every_column(tmp_path: Path) -> None:
    schema = pa.schema([("Region", pa.string()), ("Code", pa.int32()), ("Value", pa.string())])
    dest = destination(tmp_path)

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
    assert sorted(rows(tmp_path, "Rates")) == [("eu", 1, "a"), ("us", 1, "c2"), ("us", 2, "d")]
