"""SOQL for sfemu: parse (Lark, LALR), compile to SQLite over `sfemu.store.db`, shape results.

    compiled = compile_query(soql, schema, include_deleted=query_all, now=clock())
    total = conn.execute(compiled.count_sql, compiled.count_params).fetchone()[0]
    sql, params = compiled.page(2000)                      # first page
    rows = conn.execute(sql, params).fetchall()
    records = rest_records(conn, compiled, rows, api_version="62.0")
    sql, params = compiled.page(2000, after=compiled.key_of(rows[-1]))   # next page (keyset)

Bulk 2.0: `compile_bulk_query` (refuses what Bulk refuses) then `write_csv` / `csv_lines`.
Every query error is a 400 `sfemu.errors.SalesforceError` with Salesforce's code and caret message.
"""

from sfemu.soql.bulk import COMPOUND_MESSAGE, compile_bulk_query, csv_header, csv_lines, csv_sql, write_csv
from sfemu.soql.compiler import CompiledQuery, compile_query
from sfemu.soql.parser import parse
from sfemu.soql.resolve import child_relationship_name, child_relationships
from sfemu.soql.results import rest_records, rest_value, sobject_url_base

__all__ = [
    "COMPOUND_MESSAGE",
    "CompiledQuery",
    "child_relationship_name",
    "child_relationships",
    "compile_bulk_query",
    "compile_query",
    "csv_header",
    "csv_lines",
    "csv_sql",
    "parse",
    "rest_records",
    "rest_value",
    "sobject_url_base",
    "write_csv",
]
