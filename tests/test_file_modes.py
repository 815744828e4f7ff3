"""Files the server writes are its own: 0600 files in a 0700 data dir, even one that existed with wider
modes (issue 8, item 12)."""

from __future__ import annotations

import stat
from pathlib import Path

import duckdb
import httpx

from tests.conftest import API_KEY
from tests.support.server import ServerProcess, free_port


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_dir_and_what_the_server_writes_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    server = ServerProcess(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'syncline.db'}",
        api_key=API_KEY,
        port=free_port(),
    )
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {API_KEY}"}) as http:
            created = http.post(
                "/api/connections",
                json={"name": "w", "type": "duckdb", "validate": True, "configuration": {"path": "w.duckdb"}},
            )
            assert created.status_code == 200, created.text
            organization = created.json()["data"]["organization_id"]
    finally:
        server.stop()
    assert mode(data_dir) == 0o700
    written = [p for p in data_dir.rglob("*") if p.is_file() and p.name != "server.log"]
    assert any(p.name == "syncline.db" for p in written)
    assert any(p.suffix == ".duckdb" for p in written)
    for path in written:
        assert mode(path) & 0o077 == 0, f"{path} is {oct(mode(path))}"
    assert mode(data_dir / "orgs" / organization) == 0o700
    with duckdb.connect(str(data_dir / "orgs" / organization / "w.duckdb")):
        pass
