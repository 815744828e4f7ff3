"""The `syncline` command: version, first-start key, key minting, settings."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from syncline import __version__
from syncline.settings import Settings, variable
from tests.support.server import ServerProcess, free_port


def run_cli(
    *args: str, data_dir: Path, extra_env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCLINE_")}
    env["SYNCLINE_DATA_DIR"] = str(data_dir)
    env["COLUMNS"] = "200"
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "syncline.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
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


def test_config_prints_every_setting_with_its_source_and_no_secret(tmp_path: Path) -> None:
    secrets = {
        "SYNCLINE_API_KEY": "sl_cli_config_key_0123456789",
        "SYNCLINE_SECRET_KEY": Fernet.generate_key().decode(),
        "SYNCLINE_SALESFORCE_CLIENT_ID": "3MVG9.app",
        "SYNCLINE_SALESFORCE_CLIENT_SECRET": "sf-app-secret-value",
    }
    extra_env = {
        **secrets,
        "SYNCLINE_DATABASE_URL": "postgresql+psycopg://sync:db-password-1@db.internal:5432/syncline",
        "SYNCLINE_PROXY_TIMEOUT_MS": "500",
        "SYNCLINE_PROXY_TIMEOUT": "5",
    }
    output = run_cli("config", data_dir=tmp_path, extra_env=extra_env).stdout
    rows = {line.split()[0]: line.split()[1:] for line in output.splitlines()[1:]}
    assert set(rows) == {variable(name) for name in Settings.model_fields} | {"SYNCLINE_PROXY_TIMEOUT"}
    assert rows["SYNCLINE_PROXY_TIMEOUT_MS"] == ["500", "environment"]
    assert rows["SYNCLINE_JOB_WORKERS"] == ["4", "default"]
    assert rows["SYNCLINE_DATA_DIR"] == [str(tmp_path), "environment"]
    assert rows["SYNCLINE_DATABASE_URL"] == [
        "postgresql+psycopg://sync:********@db.internal:5432/syncline",
        "environment",
    ]
    for name in ("SYNCLINE_API_KEY", "SYNCLINE_SECRET_KEY", "SYNCLINE_SALESFORCE_CLIENT_SECRET"):
        assert rows[name] == ["********", "environment"]
    assert rows["SYNCLINE_PROXY_TIMEOUT"] == ["ignored:", "not", "a", "syncline", "setting"]
    del secrets["SYNCLINE_SALESFORCE_CLIENT_ID"]  # not a secret: shown as is
    for secret in [*secrets.values(), "db-password-1"]:
        assert secret not in output


@pytest.mark.parametrize("command", [("serve",), ("keys", "create"), ("config",)])
def test_bad_settings_stop_the_command_with_one_line_each(tmp_path: Path, command: tuple[str, ...]) -> None:
    bad = {"SYNCLINE_PROXY_TIMEOUT_MS": "abc", "SYNCLINE_JOB_WORKERS": "0", "SYNCLINE_API_KEY": "tiny-key"}
    result = run_cli(*command, data_dir=tmp_path, extra_env=bad, check=False)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "SYNCLINE_API_KEY: must be at least 16 characters, without spaces at either end",
        "SYNCLINE_JOB_WORKERS: must be a whole number greater than 0 and at most 64, got '0'",
        "SYNCLINE_PROXY_TIMEOUT_MS: must be a whole number greater than 0 and at most 600000, got 'abc'",
    ]
    assert result.stdout == ""
    assert not (tmp_path / "syncline.db").exists()  # nothing started


def test_serve_on_a_port_in_use_says_so_in_one_line_before_starting(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port), data_dir=tmp_path / "data", check=False)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"--port: 127.0.0.1:{port} is already in use (another syncline?); stop that process or choose "
        "another port with --port"
    ]
    assert result.stdout == ""
    assert not (tmp_path / "data").exists()  # nothing started: no data dir, no store, no key


@pytest.mark.parametrize(
    ("option", "line"),
    [
        (("--port", "70000"), "--port: must be a port number from 0 to 65535, got 70000"),
        (("--log-level", "loud"), "--log-level: must be one of debug, info, warning, error, got 'loud'"),
        (("--host", "host.invalid"), "--host: cannot listen on host.invalid:8000: "),
    ],
)
def test_bad_serve_options_are_one_line(tmp_path: Path, option: tuple[str, str], line: str) -> None:
    result = run_cli("serve", *option, data_dir=tmp_path / "data", check=False)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(line)
    assert not (tmp_path / "data").exists()


def test_serve_on_port_0_prints_the_port_it_listens_on(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCLINE_")}
    env.update(SYNCLINE_DATA_DIR=str(tmp_path), SYNCLINE_API_KEY="sl_cli_port_zero_key_0123456789")
    process = subprocess.Popen(
        [sys.executable, "-m", "syncline.cli", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:(\d+))", line)
        assert match, line
        assert int(match.group(2)) > 0
        assert wait_healthy(match.group(1))
    finally:
        process.terminate()
        process.wait(timeout=15)


def wait_healthy(base_url: str, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            time.sleep(0.1)
    return False
