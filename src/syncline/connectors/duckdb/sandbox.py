"""DuckDB for user SQL: a read-only connection that cannot reach the file system, the network or its own
settings, and one SELECT at a time.

An organization's SQL runs inside the syncline process, beside the deployment's secret key, the metadata
database and other organizations' files. `open_read_only` opens the one database file a connection names
with external access disabled (no `read_text`, `read_csv`, `glob`, `COPY … TO`, `ATTACH`, `INSTALL`),
extensions neither installed nor loaded automatically, and the configuration locked so the SQL cannot
turn any of that back on. `one_select` refuses anything but a single SELECT (or EXPLAIN) statement before
it runs.
"""

from __future__ import annotations

import pathlib

import duckdb

from syncline.connectors.errors import QueryFailed

__all__ = ["SANDBOX", "one_select", "open_read_only"]

SANDBOX = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}
_ALLOWED = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN})


def open_read_only(path: pathlib.Path) -> duckdb.DuckDBPyConnection:
    """The database file, read-only and sandboxed (see the module docstring)."""
    return duckdb.connect(str(path), read_only=True, config=dict(SANDBOX))


def one_select(sql: str) -> str:
    """`sql` when it is exactly one SELECT (or EXPLAIN) statement.

    Raises:
        QueryFailed: It does not parse, holds several statements, or is another kind of statement.
    """
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryFailed(str(exc).strip()) from exc
    if len(statements) != 1:
        raise QueryFailed(f"one statement at a time, please: this query holds {len(statements)}")
    kind = statements[0].type
    if kind not in _ALLOWED:
        shown = str(kind).rsplit(".", 1)[-1]
        raise QueryFailed(f"only SELECT queries run here (read-only); this is a {shown} statement")
    return sql
