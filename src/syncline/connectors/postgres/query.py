"""Ad-hoc SQL for the query runner, in a read-only transaction."""

from __future__ import annotations

import psycopg

from syncline.connectors.base import ConnectorContext
from syncline.connectors.postgres.check import open_connection
from syncline.connectors.postgres.config import PostgresConfig
from syncline.connectors.query import QueryFailed, QueryResult, json_safe


def run_postgres_query(config: PostgresConfig, ctx: ConnectorContext, sql: str, max_rows: int) -> QueryResult:  # noqa: ARG001
    with open_connection(config) as conn:
        try:
            # Read-only: the query runner previews data, it never changes it.
            conn.execute("SET TRANSACTION READ ONLY")
            cursor = conn.execute(sql)  # type: ignore[arg-type]  # user-supplied SQL is the point here
        except psycopg.Error as exc:
            raise QueryFailed(str(exc).strip()) from exc
        if cursor.description is None:
            return QueryResult(fields=[], rows=[])
        fields = [column.name for column in cursor.description]
        fetched = cursor.fetchmany(max_rows + 1)
    rows = [{f: json_safe(v) for f, v in zip(fields, row, strict=True)} for row in fetched[:max_rows]]
    return QueryResult(fields=fields, rows=rows, truncated=len(fetched) > max_rows)
