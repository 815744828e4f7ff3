"""An in-memory org for SOQL tests: real tables from `create_tables`, rows in the storage encodings.

`org.query(soql)` does what the REST layer does (count, page by keyset, shape records) and returns the
response body a client would see; `org.csv(soql)` returns a Bulk 2.0 result file.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from sfemu.ids import make_id
from sfemu.schema import Schema, build_schema
from sfemu.soql import compile_bulk_query, compile_query, rest_records, write_csv
from sfemu.store.db import Database, create_tables, quote, table_name

NOW = datetime(2024, 5, 15, 12, 0, 0, tzinfo=UTC)  # a Wednesday
STAMP = "2024-05-01T00:00:00.000Z"


class Org:
    def __init__(self, db: Database, schema: Schema) -> None:
        self.db = db
        self.schema = schema
        self._counter = 0

    def insert(self, obj_name: str, **values: Any) -> str:
        obj = self.schema.get(obj_name)
        assert obj is not None
        self._counter += 1
        row: dict[str, Any] = {
            "Id": make_id(obj.key_prefix, self._counter),
            "IsDeleted": 0,
            "CreatedDate": STAMP,
            "LastModifiedDate": STAMP,
            "SystemModstamp": STAMP,
        }
        row.update(values)
        columns = ", ".join(quote(name) for name in row)
        marks = ", ".join("?" for _ in row)
        self.db.conn.execute(
            f"INSERT INTO {quote(table_name(obj))} ({columns}) VALUES ({marks})", list(row.values())
        )
        return row["Id"]

    def query(self, soql: str, *, query_all: bool = False, page_size: int = 2000) -> dict[str, Any]:
        """The whole result, fetched page by page the way the REST layer pages (keyset, count first)."""
        compiled = compile_query(soql, self.schema, include_deleted=query_all, now=NOW)
        conn = self.db.conn
        total = conn.execute(compiled.count_sql, compiled.count_params).fetchone()[0]
        if compiled.count_only:
            return {"totalSize": total, "done": True, "records": []}
        if compiled.aggregate:
            rows = conn.execute(compiled.sql, compiled.params).fetchall()
            return {"totalSize": total, "done": True, "records": rest_records(conn, compiled, rows)}
        records: list[dict[str, Any]] = []
        after = None
        while len(records) < total:
            sql, params = compiled.page(min(page_size, total - len(records)), after)
            rows = conn.execute(sql, params).fetchall()
            if not rows:
                break
            records += rest_records(conn, compiled, rows, api_version="62.0")
            after = compiled.key_of(rows[-1])
        return {"totalSize": total, "done": True, "records": records}

    def ids(self, soql: str, **kwargs: Any) -> list[str]:
        return [record["Id"] for record in self.query(soql, **kwargs)["records"]]

    def csv(self, soql: str, *, query_all: bool = False, **options: str) -> str:
        compiled = compile_bulk_query(soql, self.schema, include_deleted=query_all, now=NOW)
        out = io.StringIO()
        write_csv(self.db.conn, compiled, out, **options)
        return out.getvalue()


@pytest.fixture(scope="session")
def schema() -> Schema:
    return build_schema()


@pytest.fixture
def org(schema: Schema) -> Iterator[Org]:
    db = Database(":memory:")
    create_tables(db.conn, schema)
    yield Org(db, schema)
    db.close()
