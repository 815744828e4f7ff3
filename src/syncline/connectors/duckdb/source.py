"""DuckDB as a ModelSource: queries and tables of a read-only, sandboxed database file, as Arrow batches.

DuckDB speaks Arrow natively: `describe` reads a relation's schema without producing rows and `stream`
hands over DuckDB's own record batches, so no row passes through Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from syncline.connectors.base import ConnectorContext
from syncline.connectors.duckdb.config import DuckDBConfig, database_path
from syncline.connectors.duckdb.sandbox import one_select, open_read_only
from syncline.connectors.errors import QueryFailed
from syncline.connectors.protocols import DEFAULT_BATCH_ROWS, DescribedField, Description, Relation, rebatch

__all__ = ["DuckDBModelSource"]


class DuckDBModelSource:
    """A ModelSource over one DuckDB connection's database file, opened read-only."""

    def __init__(self, config: DuckDBConfig, ctx: ConnectorContext) -> None:
        self.config = config
        self.ctx = ctx

    def describe(self, relation: Relation) -> Description:
        with self._connect() as conn:
            try:
                rel = self._relation(conn, relation)
                if rel is None:
                    return Description(fields=())
                schema = rel.limit(0).to_arrow_table().schema
                remote = dict(zip(rel.columns, (str(t) for t in rel.types), strict=True))
                key = self._primary_key(conn, relation.table) if relation.table else ()
            except duckdb.Error as exc:
                raise QueryFailed(str(exc).strip()) from exc
        fields = tuple(DescribedField(f.name, f.type, f.nullable, remote.get(f.name, "")) for f in schema)
        return Description(fields=fields, primary_key=key)

    def stream(self, relation: Relation, *, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        with self._connect() as conn:
            try:
                rel = self._relation(conn, relation)
                if rel is None:
                    return
                yield from rebatch(rel.to_arrow_reader(batch_rows), batch_rows)
            except duckdb.Error as exc:
                raise QueryFailed(str(exc).strip()) from exc

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        path = database_path(self.config, self.ctx)
        if not path.exists():
            raise QueryFailed(f"the DuckDB database {path} does not exist yet")
        try:
            conn = open_read_only(path)
        except duckdb.Error as exc:
            raise QueryFailed(f"could not open the DuckDB database {path}: {exc}") from exc
        with conn:
            yield conn

    @staticmethod
    def _relation(conn: duckdb.DuckDBPyConnection, relation: Relation) -> duckdb.DuckDBPyRelation | None:
        if relation.query is not None:
            return conn.sql(one_select(relation.query))
        assert relation.table is not None
        return conn.table(relation.table)

    @staticmethod
    def _primary_key(conn: duckdb.DuckDBPyConnection, table: str) -> tuple[str, ...]:
        schema, _, name = table.rpartition(".")
        row = conn.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY' AND table_name = ? AND (? = '' OR schema_name = ?)",
            [name, schema, schema],
        ).fetchone()
        return tuple(row[0]) if row else ()
