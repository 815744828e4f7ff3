"""Upstream check of a DuckDB connection: open the file and run `SELECT 1`."""

from __future__ import annotations

import duckdb

from syncline.connectors.base import ConnectorContext
from syncline.connectors.duckdb.config import DuckDBConfig, database_path
from syncline.connectors.errors import ConfigurationInvalid, ConnectionCheckFailed

_HINT = "choose a file path (not a folder) that syncline can write to"


def check_duckdb(config: DuckDBConfig, ctx: ConnectorContext) -> None:
    """Open (creating if needed) the database file and run `SELECT 1`.

    Raises:
        ConnectionCheckFailed: The folder could not be created or the file could not be opened.
    """
    try:
        path = database_path(config, ctx)
    except ConfigurationInvalid as exc:
        raise ConnectionCheckFailed(str(exc)) from exc
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with duckdb.connect(str(path)) as conn:
            conn.execute("SELECT 1").fetchall()
    except (OSError, duckdb.Error) as exc:
        msg = f"could not open DuckDB database at {path}: {exc} ({_HINT})"
        raise ConnectionCheckFailed(msg) from exc
