"""PostgreSQL as a bulk-sync destination: COPY into a staging table, applied at commit with the cursor.

Each table being written has a connection of its own holding one transaction from `prepare` to `commit`.
Batches go to a temporary table by `COPY … FROM STDIN (FORMAT csv)`, written by Arrow's CSV writer (no
per-row Python). `commit` applies the staged rows by mode and upserts the cursor into
`_syncline.cursors` in that same transaction, so readers see data and cursor change together; a crash
before the commit leaves the previous state. Snapshot replaces rows with `DELETE` rather than `TRUNCATE`,
so readers are never blocked by the run.

Arrow types map to PostgreSQL's (`_PG_TYPES`); a table evolves without losing data: new columns are added,
and a column whose type changes is widened (`_widened`: integers grow, integers become numeric or double,
dates become timestamps, anything else becomes text).
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from psycopg import sql

from syncline.connectors.base import ConnectorContext
from syncline.connectors.destination_options import schema_option
from syncline.connectors.errors import RequestRejected
from syncline.connectors.postgres.check import connect
from syncline.connectors.postgres.config import PostgresConfig
from syncline.connectors.protocols import BulkMode, Cursor

__all__ = ["DEFAULT_NAMESPACE", "PostgresDestination", "check_options", "pg_type"]

DEFAULT_NAMESPACE = "public"
STATE_SCHEMA = "_syncline"
_SEQUENCE = "__syncline_seq"
_CSV = pa_csv.WriteOptions(include_header=False, quoting_style="needed")  # "" is text, nothing is NULL

# Widening order of the types `pg_type` produces; a change down a chain keeps the later type.
_NUMERIC_CHAIN = ("smallint", "integer", "bigint", "numeric", "double precision")
_TIME_CHAIN = ("date", "timestamp without time zone", "timestamp with time zone")


def pg_type(arrow: pa.DataType) -> str:
    """The PostgreSQL column type for an Arrow type (text for anything without a closer match)."""
    if pa.types.is_boolean(arrow):
        return "boolean"
    if pa.types.is_int8(arrow) or pa.types.is_int16(arrow) or pa.types.is_uint8(arrow):
        return "smallint"
    if pa.types.is_int32(arrow) or pa.types.is_uint16(arrow):
        return "integer"
    if pa.types.is_integer(arrow):
        return "bigint"
    if pa.types.is_floating(arrow):
        return "double precision"
    if pa.types.is_decimal(arrow):
        return f"numeric({arrow.precision},{arrow.scale})"
    if pa.types.is_date(arrow):
        return "date"
    if pa.types.is_timestamp(arrow):
        return "timestamp with time zone" if arrow.tz else "timestamp without time zone"
    if pa.types.is_list(arrow) and pa.types.is_string(arrow.value_type):
        return "text[]"
    return "text"


@dataclass
class _Staged:
    conn: psycopg.Connection[Any]
    mode: BulkMode
    primary_key: tuple[str, ...]
    columns: list[str]
    deletes: bool = False
    retained: bool = False


class PostgresDestination:
    """`BulkDestination` on the connection's database; `destination_configuration.schema` names the
    PostgreSQL schema the tables go to (default `public`)."""

    def __init__(self, config: PostgresConfig, ctx: ConnectorContext, options: Mapping[str, Any]) -> None:
        self.namespace = _namespace(options)
        self._config = config
        self._ctx = ctx
        self._open: dict[str, _Staged] = {}
        self._lock = threading.Lock()
        with connect(config, ctx.upstreams) as conn:
            conn.autocommit = True
            for name in (self.namespace, STATE_SCHEMA):
                with contextlib.suppress(psycopg.errors.UniqueViolation):  # created by a concurrent run
                    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(name)))
            with contextlib.suppress(psycopg.errors.UniqueViolation):
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS _syncline.cursors (namespace text NOT NULL, "
                    "table_name text NOT NULL, cursor jsonb, committed_at timestamptz NOT NULL, "
                    "PRIMARY KEY (namespace, table_name))"
                )

    # --- the protocol --------------------------------------------------------------------------------

    def prepare(self, table: str, schema: pa.Schema, primary_key: Sequence[str], *, mode: BulkMode) -> None:
        missing = [key for key in primary_key if key not in schema.names]
        if missing or (mode is BulkMode.REPLICATE and not primary_key):
            raise RequestRejected(
                f"table {table}: mode {mode} needs a primary key among its columns "
                f"(missing: {missing or 'none'})"
            )
        with self._lock:
            if table in self._open:
                raise RequestRejected(f"table {table} is already being written in this run")
        conn = connect(self._config, self._ctx.upstreams)
        try:
            self._evolve(conn, table, schema, primary_key if mode is BulkMode.REPLICATE else ())
            target = self._target(table)
            conn.execute(
                sql.SQL("CREATE TEMP TABLE stage ON COMMIT DROP AS SELECT * FROM {} WITH NO DATA").format(
                    target
                )
            )
            conn.execute(
                sql.SQL("ALTER TABLE stage ADD COLUMN {} bigserial").format(sql.Identifier(_SEQUENCE))
            )
            keys = sql.SQL(", ").join(sql.Identifier(k) for k in primary_key) if primary_key else sql.SQL("1")
            conn.execute(
                sql.SQL(
                    "CREATE TEMP TABLE stage_deletes ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
                ).format(keys, target)
            )
            conn.execute(
                sql.SQL(
                    "CREATE TEMP TABLE stage_retained ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
                ).format(keys, target)
            )
        except psycopg.Error as exc:
            conn.rollback()
            conn.close()
            raise RequestRejected(f"PostgreSQL refused to prepare table {table}: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        with self._lock:
            self._open[table] = _Staged(conn, mode, tuple(primary_key), list(schema.names))

    def load(self, table: str, batch: pa.RecordBatch) -> None:
        staged = self._staged(table)
        if batch.num_rows:
            self._copy(staged.conn, "stage", batch, table)

    def delete(self, table: str, keys: pa.RecordBatch) -> None:
        staged = self._staged(table)
        if staged.mode is not BulkMode.REPLICATE or keys.num_rows == 0:
            return  # snapshot replaces the table anyway; append keeps history
        if list(keys.schema.names) != list(staged.primary_key):
            raise RequestRejected(
                f"table {table}: deleted keys must be the primary key {list(staged.primary_key)}"
            )
        self._copy(staged.conn, "stage_deletes", keys, table)
        staged.deletes = True

    def retain(self, table: str, keys: pa.RecordBatch) -> None:
        staged = self._staged(table)
        if staged.mode is not BulkMode.REPLICATE or keys.num_rows == 0:
            return
        if list(keys.schema.names) != list(staged.primary_key):
            raise RequestRejected(
                f"table {table}: retained keys must be the primary key {list(staged.primary_key)}"
            )
        self._copy(staged.conn, "stage_retained", keys, table)
        staged.retained = True

    def commit(self, table: str, cursor: Cursor | None) -> None:
        staged = self._staged(table)
        conn, target = staged.conn, self._target(table)
        columns = sql.SQL(", ").join(sql.Identifier(c) for c in staged.columns)
        insert = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM stage").format(target, columns, columns)
        try:
            if staged.mode is BulkMode.SNAPSHOT:
                conn.execute(sql.SQL("DELETE FROM {}").format(target))
                conn.execute(insert + sql.SQL(" ORDER BY {}").format(sql.Identifier(_SEQUENCE)))
            elif staged.mode is BulkMode.APPEND:
                conn.execute(insert + sql.SQL(" ORDER BY {}").format(sql.Identifier(_SEQUENCE)))
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
                "INSERT INTO _syncline.cursors VALUES (%s, %s, %s, now()) "
                "ON CONFLICT (namespace, table_name) "
                "DO UPDATE SET cursor = excluded.cursor, committed_at = excluded.committed_at",
                [self.namespace, table, None if cursor is None else json.dumps(cursor)],
            )
            conn.commit()
        except psycopg.Error as exc:
            self.abort(table)
            raise RequestRejected(f"PostgreSQL refused the commit of table {table}: {exc}") from exc
        self._release(table)

    def abort(self, table: str) -> None:
        with self._lock:
            staged = self._open.get(table)
        if staged is None:
            return
        with contextlib.suppress(psycopg.Error):  # a broken connection has nothing left to roll back
            staged.conn.rollback()
        self._release(table)

    def cursor(self, table: str) -> Cursor | None:
        with connect(self._config, self._ctx.upstreams) as conn:
            row = conn.execute(
                "SELECT cursor FROM _syncline.cursors WHERE namespace = %s AND table_name = %s",
                [self.namespace, table],
            ).fetchone()
        if row is None or row[0] is None:
            return None
        value: Cursor = row[0]
        return value

    def close(self) -> None:
        with self._lock:
            tables = list(self._open)
        for table in tables:
            self.abort(table)

    # --- helpers -------------------------------------------------------------------------------------

    def _target(self, table: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.namespace), sql.Identifier(table))

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

    def _evolve(
        self, conn: psycopg.Connection[Any], table: str, schema: pa.Schema, primary_key: Sequence[str]
    ) -> None:
        """Create the table, or add the columns it lacks and widen the ones whose type changed."""
        target = self._target(table)
        existing = dict(
            conn.execute(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped",
                [target.as_string(conn)],
            ).fetchall()
        )
        wanted = {f.name: pg_type(f.type) for f in schema}
        if not existing:
            columns = sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind)) for name, kind in wanted.items()
            )
            conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(target, columns))
            if primary_key:  # the merge finds rows by key; unique, since it keeps one row per key
                keys = sql.SQL(", ").join(sql.Identifier(k) for k in primary_key)
                conn.execute(sql.SQL("CREATE UNIQUE INDEX ON {} ({})").format(target, keys))
            return
        for name, kind in wanted.items():
            old = existing.get(name)
            if old is None:
                conn.execute(
                    sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                        target, sql.Identifier(name), sql.SQL(kind)
                    )
                )
                continue
            wider = _widened(old, kind)
            if wider != old:
                conn.execute(
                    sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {} USING {}::{}").format(
                        target, sql.Identifier(name), sql.SQL(wider), sql.Identifier(name), sql.SQL(wider)
                    )
                )

    @staticmethod
    def _merge(
        conn: psycopg.Connection[Any],
        target: sql.Composed,
        columns: sql.Composable,
        primary_key: tuple[str, ...],
        *,
        deletes: bool,
        retained: bool,
    ) -> None:
        """Replicate: the last staged version of each key replaces the table's row; deleted keys go."""
        keys = sql.SQL(", ").join(sql.Identifier(k) for k in primary_key)
        conn.execute(
            sql.SQL(
                "CREATE TEMP TABLE latest ON COMMIT DROP AS SELECT DISTINCT ON ({keys}) {columns} FROM stage "
                "ORDER BY {keys}, {seq} DESC"
            ).format(keys=keys, columns=columns, seq=sql.Identifier(_SEQUENCE))
        )
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE ({}) IN (SELECT {} FROM latest)").format(target, keys, keys)
        )
        if deletes:
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE ({}) IN (SELECT {} FROM stage_deletes)").format(
                    target, keys, keys
                )
            )
        if retained:  # NOT EXISTS rather than NOT IN: no surprise from a NULL key
            matches = sql.SQL(" AND ").join(
                sql.SQL("r.{k} = t.{k}").format(k=sql.Identifier(k)) for k in primary_key
            )
            conn.execute(
                sql.SQL("DELETE FROM {} t WHERE NOT EXISTS (SELECT 1 FROM stage_retained r WHERE {})").format(
                    target, matches
                )
            )
        conn.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM latest").format(target, columns, columns))

    @staticmethod
    def _copy(conn: psycopg.Connection[Any], into: str, batch: pa.RecordBatch, table: str) -> None:
        """COPY `batch` into the temporary table `into`, as CSV written by Arrow."""
        text = pa.record_batch([_copyable(column) for column in batch.columns], names=batch.schema.names)
        buffer = io.BytesIO()
        pa_csv.write_csv(text, buffer, _CSV)
        names = sql.SQL(", ").join(sql.Identifier(n) for n in batch.schema.names)
        try:
            with conn.cursor().copy(
                sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(sql.Identifier(into), names)
            ) as copy:
                copy.write(buffer.getbuffer())
        except psycopg.Error as exc:
            raise RequestRejected(f"PostgreSQL refused rows for table {table}: {exc}") from exc


def _copyable(column: pa.Array) -> pa.Array:
    """Arrow's CSV writer cannot write lists: a list of strings becomes PostgreSQL's array literal."""
    if not pa.types.is_list(column.type):
        return column
    values = pc.list_flatten(column)
    escaped = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
    quoted = pc.binary_join_element_wise('"', escaped, '"', "")
    offsets = pc.subtract(column.offsets, column.offsets[0])  # a sliced array's offsets start past zero
    rebuilt = pa.ListArray.from_arrays(offsets, quoted, mask=column.is_null())
    joined = pc.binary_join(rebuilt, ",")
    return pc.binary_join_element_wise("{", joined, "}", "")


def _widened(old: str, new: str) -> str:
    """The type holding values of both `old` and `new` (text when no chain holds both)."""
    if old == new:
        return old
    base_old, base_new = old.split("(")[0], new.split("(")[0]
    for chain in (_NUMERIC_CHAIN, _TIME_CHAIN):
        if base_old in chain and base_new in chain:
            wider = old if chain.index(base_old) >= chain.index(base_new) else new
            return "numeric" if wider.startswith("numeric") else wider  # any precision: unconstrained
    return "text"


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
        valid=lambda name: 0 < len(name) <= 63 and "\x00" not in name and name != STATE_SCHEMA,
        rule=f"must be a schema name of 1-63 characters, not {STATE_SCHEMA}",
    )
