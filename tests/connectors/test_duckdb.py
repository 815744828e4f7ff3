from __future__ import annotations

import pathlib

import pytest

from syncline.connectors import (
    ConfigurationInvalid,
    ConnectionCheckFailed,
    ConnectorContext,
    get_connection_type,
)
from syncline.connectors.duckdb import database_path

DUCKDB = get_connection_type("duckdb")


def test_relative_path_resolves_inside_the_data_dir(ctx: ConnectorContext) -> None:
    config = DUCKDB.validate_config({"path": "sub/warehouse.duckdb"})
    assert database_path(config, ctx) == ctx.data_dir / "sub" / "warehouse.duckdb"


def test_check_creates_the_file_and_its_folder(ctx: ConnectorContext) -> None:
    DUCKDB.check(DUCKDB.validate_config({"path": "sub/warehouse.duckdb"}), ctx)
    assert (ctx.data_dir / "sub" / "warehouse.duckdb").is_file()


def test_check_accepts_an_absolute_path(
    ctx: ConnectorContext, tmp_path_factory: pytest.TempPathFactory
) -> None:
    target = tmp_path_factory.mktemp("elsewhere") / "abs.duckdb"
    DUCKDB.check(DUCKDB.validate_config({"path": str(target)}), ctx)
    assert target.is_file()


def test_check_fails_on_a_directory_with_duckdbs_message(ctx: ConnectorContext) -> None:
    (ctx.data_dir / "folder").mkdir()
    with pytest.raises(ConnectionCheckFailed) as info:
        DUCKDB.check(DUCKDB.validate_config({"path": "folder"}), ctx)
    message = str(info.value)
    assert message.startswith(f"could not open DuckDB database at {ctx.data_dir / 'folder'}: ")
    assert "Is a directory" in message


def test_check_fails_when_the_parent_is_a_file(ctx: ConnectorContext) -> None:
    pathlib.Path(ctx.data_dir, "plain").write_text("not a folder")
    with pytest.raises(ConnectionCheckFailed, match=r"could not open DuckDB database at .*plain/db\.duckdb"):
        DUCKDB.check(DUCKDB.validate_config({"path": "plain/db.duckdb"}), ctx)


def test_path_is_required() -> None:
    with pytest.raises(ConfigurationInvalid, match="path: is required"):
        DUCKDB.validate_config({})
