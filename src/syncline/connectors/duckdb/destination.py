"""DuckDB as a bulk-sync destination: the embedded default warehouse.

Each table being written has a connection of its own (`cursor()` of one database instance) holding one
transaction from `prepare` to `commit`. Rows are staged in a temporary table of that connection; `commit`
applies them by the table's mode and records the cursor in `_syncline.cursors` in the same transaction,
so data and cursor become visible together or not at all — a crash (or `abort`) leaves the last commit.

Types come from Arrow as DuckDB maps them. A table evolves, never loses data: new columns are added; a
column whose incoming type differs is widened to the two types' common supertype as DuckDB's own UNION
rules compute it (INTEGER → BIGINT → DOUBLE, DATE → TIMESTAMP, anything with text → VARCHAR).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from syncline.connectors.base import ConnectorContext
from syncline.connectors.destination_options import schema_option
from syncline.connectors.duckdb.config import DuckDBConfig, database_path
from syncline.connectors.errors import RequestRejected
from syncline.connectors.protocols import BulkMode, Cursor

__all__ = ["DEFAULT_NAMESPACE", "DuckDBDestination", "check_options"]

DEFAULT_NAMESPACE = "main"
STATE_SCHEMA = "_syncline"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")
_SEQUENCE = "__syncline_seq"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _Staged:
    """One table's open transaction: its connection, mode, key and the staging tables."""

    conn: duckdb.DuckDBPyConnection
    mode: BulkMode
    primary_key: tuple[str, ...]
    columns: list[str] = field(default_factory=list)
    deletes: bool = False
    retained: bool = False


class DuckDBDestination:
    """`BulkDestination` on the connection's DuckDB file; `destination_configuration.schema` names the
    DuckDB schema the tables go to (default `main`)."""

    def __init__(self, config: DuckDBConfig, ctx: ConnectorContext, options: Mapping[str, Any]) -> None:
        self.namespace = _namespace(options)
        path = database_path(config, ctx)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._db = duckdb.connect(str(path))
        self._db.execute(f"CREATE SCHEMA IF NOT EXISTS {_quoted(self.namespace)}")
        self._db.execute(f"CREATE SCHEMA IF NOT EXISTS {STATE_SCHEMA}")
        self._db.execute(
            f"CREATE TABLE IF NOT EXISTS {STATE_SCHEMA}.cursors (namespace VARCHAR NOT NULL, "
            "table_name VARCHAR NOT NULL, cursor JSON, committed_at TIMESTAMPTZ NOT NULL, "
            "PRIMARY KEY (namespace, table_name))"
        )
        self._open: dict[str, _Staged] = {}
        self._lock = threading.Lock()  # guards `_open` and new cursors of the shared instance

    # --- the protocol --------------------------------------------------------------------------------

    def prepare(self, table: str, schema: pa.Schema, primary_key: Sequence[str], *, mode: BulkMode) -> None:
        """Open the table's transaction and create or evolve the table for `schema`.

        Raises:
            RequestRejected: A bad table or column name, or a primary key column `schema` lacks.
        """
        _check_name(table, "table")
        for name in schema.names:
            _check_name(name, "column")
        missing = [key for key in primary_key if key not in schema.names]
        if missing or (mode is BulkMode.REPLICATE and not primary_key):
            raise RequestRejected(
                f"table {table}: mode {mode} needs a primary key among its columns "
                f"(missing: {missing or 'none'})"
            )
        with self._lock:
            if table in self._open:
                raise RequestRejected(f"table {table} is already being written in this run")
            conn = self._db.cursor()
        conn.execute("BEGIN TRANSACTION")
        try:
            self._evolve(conn, table, schema)
            empty = pa.Table.from_batches([], schema)  # noqa: F841 - read by DuckDB's replacement scan
            conn.execute(f"CREATE TEMP TABLE stage AS SELECT *, 0::BIGINT AS {_SEQUENCE} FROM empty LIMIT 0")
            conn.execute("CREATE TEMP SEQUENCE stage_order")
            key_columns = ", ".join(_quoted(k) for k in primary_key) if primary_key else "NULL::VARCHAR AS k"
            conn.execute(f"CREATE TEMP TABLE stage_deletes AS SELECT {key_columns} FROM empty LIMIT 0")
            conn.execute(f"CREATE TEMP TABLE stage_retained AS SELECT {key_columns} FROM empty LIMIT 0")
        except BaseException:
            conn.execute("ROLLBACK")
            conn.close()
            raise
        with self._lock:
            self._open[table] = _Staged(conn, mode, tuple(primary_key), list(schema.names))

    def load(self, table: str, batch: pa.RecordBatch) -> None:
        staged = self._staged(table)
        if batch.num_rows == 0:
            return
        names = ", ".join(_quoted(n) for n in batch.schema.names)
        staged.conn.execute(
            f"INSERT INTO stage ({names}, {_SEQUENCE}) SELECT {names}, nextval('stage_order') FROM batch"
        )

    def delete(self, table: str, keys: pa.RecordBatch) -> None:
        staged = self._staged(table)
        if staged.mode is not BulkMode.REPLICATE or keys.num_rows == 0:
            return  # snapshot replaces the table anyway; append keeps history
        if list(keys.schema.names) != list(staged.primary_key):
            raise RequestRejected(
                f"table {table}: deleted keys must be the primary key {list(staged.primary_key)}"
            )
        staged.conn.execute("INSERT INTO stage_deletes BY NAME SELECT * FROM keys")
        staged.deletes = True

    def retain(self, table: str, keys: pa.RecordBatch) -> None:
        staged = self._staged(table)
        if staged.mode is not BulkMode.REPLICATE:
            return
        if list(keys.schema.names) != list(staged.primary_key):
            raise RequestRejected(
                f"table {table}: retained keys must be the primary key {list(staged.primary_key)}"
            )
        staged.conn.execute("INSERT INTO stage_retained BY NAME SELECT * FROM keys")
        staged.retained = True

    def commit(self, table: str, cursor: Cursor | None) -> None:
        """Apply the staged rows by mode and record `cursor`, in the table's one transaction."""
        staged = self._staged(table)
        target = f"{_quoted(self.namespace)}.{_quoted(table)}"
        conn = staged.conn
        columns = ", ".join(_quoted(c) for c in staged.columns)
        try:
            if staged.mode is BulkMode.SNAPSHOT:
                conn.execute(f"DELETE FROM {target}")
                conn.execute(
                    f"INSERT INTO {target} ({columns}) SELECT {columns} FROM stage ORDER BY {_SEQUENCE}"
                )
            elif staged.mode is BulkMode.APPEND:
                conn.execute(
                    f"INSERT INTO {target} ({columns}) SELECT {columns} FROM stage ORDER BY {_SEQUENCE}"
                )
            else:
                self._merge(
                    conn,
                    target,
                    columns,
                    staged.primary_key,
                    deletes=staged.deletes,
                    retained=staged.retained,
                )
            conn.execute(
                f"INSERT OR REPLACE INTO {STATE_SCHEMA}.cursors VALUES (?, ?, ?, now())",
                [self.namespace, table, None if cursor is None else json.dumps(cursor)],
            )
            conn.execute("COMMIT")
        except duckdb.Error as exc:
            self.abort(table)
            raise RequestRejected(f"DuckDB refused the commit of table {table}: {exc}") from exc
        self._release(table)

    def abort(self, table: str) -> None:
        with self._lock:
            staged = self._open.get(table)
        if staged is None:
            return
        with contextlib.suppress(duckdb.Error):  # DuckDB may have rolled back after a failed statement
            staged.conn.execute("ROLLBACK")
        self._release(table)

    def cursor(self, table: str) -> Cursor | None:
        with self._lock:
            conn = self._db.cursor()
        try:
            row = conn.execute(
                f"SELECT cursor FROM {STATE_SCHEMA}.cursors WHERE namespace = ? AND table_name = ?",
                [self.namespace, table],
            ).fetchone()
        finally:
            conn.close()
        if row is None or row[0] is None:
            return None
        value: Cursor = json.loads(row[0])
        return value

    def close(self) -> None:
        with self._lock:
            tables = list(self._open)
        for table in tables:
            self.abort(table)
        self._db.close()

    # --- helpers -------------------------------------------------------------------------------------

    def _staged(self, table: str) -> _Staged:
        with self._lock:
            staged = self._open.get(table)
        if staged is None:
            raise RequestRejected(f"table {table} was not prepared in this run")
        return staged

    def _release(self, table: str) -> None:
        with self._lock:
            staged = self._open.pop(table, None)
        if staged is not None:
            staged.conn.close()

    def _evolve(self, conn: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema) -> None:
        """Create the table, or add the columns it lacks and widen the ones whose type changed."""
        target = f"{_quoted(self.namespace)}.{_quoted(table)}"
        empty = pa.Table.from_batches([], schema)  # noqa: F841 - read by DuckDB's replacement scan
        existing = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [self.namespace, table],
            ).fetchall()
        )
        if not existing:
            conn.execute(f"CREATE TABLE {target} AS SELECT * FROM empty LIMIT 0")
            return
        incoming = dict(
            conn.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM empty)").fetchall()
        )
        for name, new_type in incoming.items():
            old_type = existing.get(name)
            if old_type is None:
                conn.execute(f"ALTER TABLE {target} ADD COLUMN {_quoted(name)} {new_type}")
            elif old_type != new_type:
                wider = _supertype(conn, old_type, new_type)
                if wider != old_type:
                    conn.execute(f"ALTER TABLE {target} ALTER COLUMN {_quoted(name)} TYPE {wider}")

    @staticmethod
    def _merge(
        conn: duckdb.DuckDBPyConnection,
        target: str,
        columns: str,
        primary_key: tuple[str, ...],
        *,
        deletes: bool,
        retained: bool,
    ) -> None:
        """Replicate: the last staged version of each key replaces the table's row; deleted keys go, and
        after a reconciliation so does every key neither retained nor loaded."""
        key = ", ".join(_quoted(k) for k in primary_key)
        conn.execute(
            f"CREATE TEMP TABLE latest AS SELECT {columns} FROM stage "
            f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY {_SEQUENCE} DESC) = 1"
        )
        conn.execute(f"DELETE FROM {target} WHERE ({key}) IN (SELECT ({key}) FROM latest)")
        if deletes:
            conn.execute(f"DELETE FROM {target} WHERE ({key}) IN (SELECT ({key}) FROM stage_deletes)")
        if retained:
            conn.execute(f"DELETE FROM {target} WHERE ({key}) NOT IN (SELECT ({key}) FROM stage_retained)")
        conn.execute(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM latest")


def _supertype(conn: duckdb.DuckDBPyConnection, old: str, new: str) -> str:
    """The type both `old` and `new` values fit in, by DuckDB's UNION rules; VARCHAR across list/scalar."""
    if old.endswith("[]") != new.endswith("[]"):
        return "VARCHAR"
    try:
        row = conn.execute(
            f"SELECT typeof(x) FROM (SELECT NULL::{old} AS x UNION ALL SELECT NULL::{new}) LIMIT 1"
        ).fetchone()
    except duckdb.Error:
        return "VARCHAR"
    return str(row[0]) if row else "VARCHAR"


def check_options(options: Mapping[str, Any]) -> None:
    """A bulk sync's `destination_configuration` for this type: `schema` (optional), nothing else.

    Raises:
        ConfigurationInvalid: An unknown key, or a schema name that cannot be used.
    """
    _namespace(options)


def _namespace(options: Mapping[str, Any]) -> str:
    return schema_option(
        options,
        default=DEFAULT_NAMESPACE,
        valid=lambda name: bool(_NAME.match(name)) and name != STATE_SCHEMA,
        rule=(
            "must be a schema name of letters, digits and underscores (1-63, not starting with a "
            f"digit, not {STATE_SCHEMA})"
        ),
    )


def _check_name(name: str, what: str) -> None:
    if not name or len(name) > 255 or "\x00" in name:
        raise RequestRejected(f"{what} name {name!r} cannot be used in DuckDB")
