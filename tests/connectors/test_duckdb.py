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


def test_relative_path_resolves_inside_the_organizations_directory(tmp_path: pathlib.Path) -> None:
    ctx = ConnectorContext(data_dir=tmp_path, files_dir=tmp_path / "orgs" / "org-a")
    config = DUCKDB.validate_config({"path": "sub/warehouse.duckdb"})
    assert database_path(config, ctx) == tmp_path / "orgs" / "org-a" / "sub" / "warehouse.duckdb"


def test_check_creates_the_file_and_its_folder(ctx: ConnectorContext) -> None:
    DUCKDB.check(DUCKDB.validate_config({"path": "sub/warehouse.duckdb"}), ctx)
    assert (ctx.data_dir / "sub" / "warehouse.duckdb").is_file()


def test_an_absolute_path_needs_an_operators_root(
    ctx: ConnectorContext, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("root")
    target = root / "abs.duckdb"
    config = DUCKDB.validate_config({"path": str(target)})
    with pytest.raises(ConnectionCheckFailed, match="SYNCLINE_DUCKDB_ROOTS"):
        DUCKDB.check(config, ctx)
    assert not target.exists()
    DUCKDB.check(config, ConnectorContext(data_dir=ctx.data_dir, file_roots=(root.resolve(),)))
    assert target.is_file()


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../orgB/warehouse.duckdb", "'..'"),
        ("sub/../../secret.key", "'..'"),
        ("~/warehouse.duckdb", "'~'"),
        ("ware\x00house.duckdb", "NUL"),
    ],
)
def test_paths_that_could_leave_the_organizations_directory_are_refused(path: str, why: str) -> None:
    with pytest.raises(ConfigurationInvalid, match=why):
        DUCKDB.validate_config({"path": path})


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
