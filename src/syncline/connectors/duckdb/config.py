"""Settings of a DuckDB connection: syncline's embedded local database."""

from __future__ import annotations

import pathlib

from syncline.connectors.base import ConnectorContext
from syncline.connectors.config import ConnectionConfig, setting


class DuckDBConfig(ConnectionConfig):
    """Configuration of a `duckdb` connection."""

    path: str = setting(
        title="Database file",
        description=(
            "Path of the DuckDB database file; created if it does not exist. "
            "Relative paths resolve inside the syncline data directory."
        ),
        examples=["warehouse.duckdb"],
        min_length=1,
    )


def database_path(config: DuckDBConfig, ctx: ConnectorContext) -> pathlib.Path:
    """The database file `config` points at: `~` expanded, relative paths inside `ctx.data_dir`."""
    path = pathlib.Path(config.path).expanduser()
    return path if path.is_absolute() else ctx.data_dir / path
