"""Ad-hoc SQL for the query runner, on a read-only DuckDB connection."""

from __future__ import annotations

import duckdb

from syncline.connectors.base import ConnectorContext
from syncline.connectors.duckdb.config import DuckDBConfig, database_path
from syncline.connectors.query import QueryFailed, QueryResult, json_safe


def run_duckdb_query(config: DuckDBConfig, ctx: ConnectorContext, sql: str, max_rows: int) -> QueryResult:
    path = database_path(config, ctx)
    if not path.exists():
        raise QueryFailed(f"the DuckDB database {path} does not exist yet")
    try:
        with duckdb.connect(str(path), read_only=True) as conn:
            cursor = conn.execute(sql)
            if cursor.description is None:
                return QueryResult(fields=[], rows=[])
            fields = [column[0] for column in cursor.description]
            fetched = cursor.fetchmany(max_rows + 1)
    except duckdb.Error as exc:
        raise QueryFailed(str(exc).strip()) from exc
    rows = [{f: json_safe(v) for f, v in zip(fields, row, strict=True)} for row in fetched[:max_rows]]
    return QueryResult(fields=fields, rows=rows, truncated=len(fetched) > max_rows)
