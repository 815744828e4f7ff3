"""PostgreSQL as a ModelSource: describe a query without running it, stream its rows as Arrow batches.

Queries run in a read-only transaction and are fetched in chunks (libpq's chunked rows mode), so memory
stays flat whatever the result size. `describe` prepares the statement and reads its result columns
without executing it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pyarrow as pa
from psycopg import sql as pgsql
from psycopg.postgres import types as pg_types

from syncline.connectors.base import ConnectorContext
from syncline.connectors.errors import QueryFailed
from syncline.connectors.postgres.check import open_connection
from syncline.connectors.postgres.config import PostgresConfig
from syncline.connectors.postgres.guard import read_only_query
from syncline.connectors.protocols import DEFAULT_BATCH_ROWS, DescribedField, Description, Relation

__all__ = ["PostgresModelSource", "arrow_type"]

_DESCRIBE_STATEMENT = b"syncline_describe"
_MAX_DECIMAL_PRECISION = 38
_SIMPLE: dict[str, pa.DataType] = {
    "bool": pa.bool_(),
    "int2": pa.int16(),
    "int4": pa.int32(),
    "int8": pa.int64(),
    "oid": pa.int64(),
    "float4": pa.float32(),
    "float8": pa.float64(),
    "text": pa.string(),
    "varchar": pa.string(),
    "bpchar": pa.string(),
    "name": pa.string(),
    "char": pa.string(),
    "date": pa.date32(),
    "time": pa.time64("us"),
    "timestamp": pa.timestamp("us"),
    "timestamptz": pa.timestamp("us", tz="UTC"),
    "bytea": pa.binary(),
}
_JSON = frozenset({"json", "jsonb"})
_PRIMARY_KEY = """
SELECT a.attname FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
WHERE i.indrelid = %s::regclass AND i.indisprimary
ORDER BY array_position(i.indkey, a.attnum)
"""


def type_name(oid: int) -> str:
    info = pg_types.get(oid)
    return info.name if info is not None else str(oid)


def arrow_type(oid: int, modifier: int = -1) -> pa.DataType:
    """The Arrow type of a PostgreSQL column; anything without an exact Arrow twin is text."""
    name = type_name(oid)
    if name == "numeric" and modifier >= 4:
        precision, scale = ((modifier - 4) >> 16) & 0xFFFF, (modifier - 4) & 0xFFFF
        if precision <= _MAX_DECIMAL_PRECISION:
            return pa.decimal128(precision, scale)
    return _SIMPLE.get(name, pa.string())


def _converter(oid: int) -> Callable[[Any], Any] | None:
    """How values of a text-typed column become strings (None: psycopg's value already fits)."""
    name = type_name(oid)
    if name in _SIMPLE and _SIMPLE[name] != pa.string():
        return None
    if name in _JSON:
        return lambda value: None if value is None else json.dumps(value)
    if name in ("text", "varchar", "bpchar", "name", "char"):
        return None
    return lambda value: None if value is None else str(value)


class PostgresModelSource:
    """A ModelSource over one PostgreSQL connection's settings."""

    def __init__(self, config: PostgresConfig, ctx: ConnectorContext) -> None:
        self.config = config
        self.ctx = ctx

    def describe(self, relation: Relation) -> Description:
        text = self._statement(relation)
        with self._connect() as conn:
            try:
                conn.pgconn.prepare(_DESCRIBE_STATEMENT, text.encode())
                described = conn.pgconn.describe_prepared(_DESCRIBE_STATEMENT)
                _raise_for(described)
            except psycopg.Error as exc:
                raise QueryFailed(str(exc).strip()) from exc
            fields = tuple(
                DescribedField(
                    name=described.fname(i).decode(),
                    type=arrow_type(described.ftype(i), described.fmod(i)),
                    remote_type=type_name(described.ftype(i)),
                )
                for i in range(described.nfields)
            )
            key = self._primary_key(conn, relation.table) if relation.table else ()
        return Description(fields=fields, primary_key=key)

    def stream(self, relation: Relation, *, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        text = self._statement(relation)
        with self._connect() as conn:
            conn.read_only = True  # every transaction of this connection starts READ ONLY
            finished = False
            try:
                with conn.cursor() as cursor:
                    rows = cursor.stream(text, size=min(batch_rows, 1000))
                    try:
                        yield from _batches(rows, cursor, batch_rows)
                        finished = True
                    finally:
                        if not finished:  # the reader stopped early: stop the server sending the rest
                            conn.cancel_safe()
                            _drain(rows)
            except psycopg.Error as exc:
                raise QueryFailed(str(exc).strip()) from exc

    def _connect(self) -> Any:
        return open_connection(self.config, self.ctx.upstreams, statement_timeout=self.ctx.statement_timeout)

    @staticmethod
    def _statement(relation: Relation) -> str:
        if relation.query is not None:
            return read_only_query(relation.query)
        assert relation.table is not None
        parts = [pgsql.Identifier(part) for part in relation.table.split(".")]
        return pgsql.SQL("SELECT * FROM {}").format(pgsql.SQL(".").join(parts)).as_string()

    @staticmethod
    def _primary_key(conn: psycopg.Connection[Any], table: str) -> tuple[str, ...]:
        try:
            rows = conn.execute(_PRIMARY_KEY, (table,)).fetchall()
        except psycopg.Error as exc:
            raise QueryFailed(str(exc).strip()) from exc
        return tuple(row[0] for row in rows)


def _batches(rows: Iterator[tuple[Any, ...]], cursor: Any, batch_rows: int) -> Iterator[pa.RecordBatch]:
    first = list(itertools.islice(rows, batch_rows))
    if cursor.description is None:
        return
    schema = pa.schema([pa.field(c.name, arrow_type(c.type_code, _modifier(c))) for c in cursor.description])
    converters = [_converter(c.type_code) for c in cursor.description]
    chunk = first
    while chunk:
        yield _batch(chunk, schema, converters)
        chunk = list(itertools.islice(rows, batch_rows))


def _drain(rows: Iterator[tuple[Any, ...]]) -> None:
    """Read what a canceled stream still has in flight (it ends with the cancel's error)."""
    try:
        for _ in rows:
            pass
    except psycopg.Error:
        pass


def _modifier(column: Any) -> int:
    # psycopg exposes the type modifier only through precision/scale for numerics.
    if column.precision is not None and column.scale is not None:
        return ((column.precision << 16) | column.scale) + 4
    return -1


def _raise_for(result: Any) -> None:
    if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
        message = result.error_message.decode(errors="replace").strip()
        raise QueryFailed(message or "PostgreSQL could not describe the query")


def _batch(
    rows: list[tuple[Any, ...]], schema: pa.Schema, converters: list[Callable[[Any], Any] | None]
) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    arrays = []
    for values, field, convert in zip(columns, schema, converters, strict=True):
        if convert is not None:
            values = tuple(map(convert, values))
        arrays.append(pa.array(values, type=field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
