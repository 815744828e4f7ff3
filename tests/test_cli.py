"""The `syncline` command: version, first-start key, key minting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from syncline import __version__
from tests.support.server import ServerProcess, free_port


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCLINE_")}
    env["SYNCLINE_DATA_DIR"] = str(data_dir)
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "syncline.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    assert run_cli("version", data_dir=tmp_path).stdout.strip() == __version__


def test_first_start_prints_a_working_key_once(tmp_path: Path) -> None:
    server = ServerProcess(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'syncline.db'}",
        api_key=None,
        port=free_port(),
    )
    server.start()
    server.stop()
    first_log = server.log_text()
    keys = [word for word in first_log.split() if word.startswith("sl_")]
    assert len(keys) == 1

    server.start()
    try:
        me = httpx.get(f"{server.base_url}/api/me", headers={"Authorization": f"Bearer {keys[0]}"})
        assert me.status_code == 200
        assert me.json()["data"]["is_partner"] is True
    finally:
        server.stop()
    second_start = server.log_text()[len(first_log) :]
    assert "sl_" not in second_start  # shown only the first time
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600


def test_keys_create_mints_a_key_the_server_accepts(tmp_path: Path) -> None:
    minted = run_cli("keys", "create", data_dir=tmp_path).stdout.strip()
    another = run_cli("keys", "create", data_dir=tmp_path).stdout.strip()
    assert minted.startswith("sl_")
    assert another != minted
    server = ServerProcess(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'syncline.db'}",
        api_key=None,
        port=free_port(),
    )
    server.start()
    try:
        for key in (minted, another):
            me = httpx.get(f"{server.base_url}/api/me", headers={"Authorization": f"Bearer {key}"})
            assert me.status_code == 200
    finally:
        server.stop()
