"""Settings of a DuckDB connection: syncline's embedded local database, kept where its organization may.

A relative `path` lives in the organization's own directory under the data dir, so one organization can
neither name another's warehouse nor the service's own files. An absolute path is allowed only inside a
directory the operator lists in `SYNCLINE_DUCKDB_ROOTS`; `..`, `~` and NUL are refused anywhere.
"""

from __future__ import annotations

import pathlib

from pydantic import field_validator

from syncline.connectors.base import ConnectorContext
from syncline.connectors.config import ConnectionConfig, setting
from syncline.connectors.errors import ConfigurationInvalid, FieldError

ROOTS_SETTING = "SYNCLINE_DUCKDB_ROOTS"


class DuckDBConfig(ConnectionConfig):
    """Configuration of a `duckdb` connection."""

    path: str = setting(
        title="Database file",
        description=(
            "Path of the DuckDB database file; created if it does not exist. Relative paths resolve inside "
            "the organization's own directory under the syncline data directory; absolute paths only inside "
            f"a directory the operator lists in {ROOTS_SETTING}."
        ),
        examples=["warehouse.duckdb"],
        min_length=1,
    )

    @field_validator("path")
    @classmethod
    def _plain_path(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        if value.startswith("~"):
            raise ValueError("must not start with '~': give a path relative to the organization's directory")
        if ".." in pathlib.PurePath(value).parts:
            raise ValueError("must not contain '..' segments")
        return value


def database_path(config: DuckDBConfig, ctx: ConnectorContext) -> pathlib.Path:
    """The database file `config` points at: relative paths inside the organization's directory, absolute
    ones only under an operator's root.

    Raises:
        ConfigurationInvalid: An absolute path outside every root, naming `path` and the setting.
    """
    path = pathlib.Path(config.path)
    if not path.is_absolute():
        return (ctx.files_dir or ctx.data_dir) / path
    resolved = path.resolve()
    if any(resolved.is_relative_to(root) for root in ctx.file_roots):
        return resolved
    allowed = ", ".join(str(root) for root in ctx.file_roots) or "none are set"
    raise ConfigurationInvalid(
        [
            FieldError(
                "path",
                f"an absolute path must lie inside a directory listed in {ROOTS_SETTING} ({allowed}); "
                "or give a path relative to the organization's own directory",
            )
        ]
    )


def placement(config: DuckDBConfig, ctx: ConnectorContext) -> None:
    """Checks where the database file would live (see `database_path`)."""
    database_path(config, ctx)
