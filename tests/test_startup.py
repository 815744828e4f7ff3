"""Start-up safety: a secret key that does not open the store, a lost key file, PostgreSQL without a key,
an unreachable or unusable metadata database each stop `syncline serve` (and the other commands that open
the store) with one line and exit 2; processes starting at once on a fresh PostgreSQL store all come up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest
from cryptography.fernet import Fernet

from tests.support.app import API_KEY as IN_PROCESS_KEY
from tests.support.app import in_process_app
from tests.support.server import PG_SECRET_KEY, ServerProcess, free_port
from tests.test_cli import run_cli

STORE_COMMANDS = [("serve", "--port", "0"), ("keys", "create")]


def pg_url(scratch_pg_database: str) -> str:
    return scratch_pg_database.replace("postgresql://", "postgresql+psycopg://", 1)


def store_a_secret(data_dir: Path, database_url: str | None = None) -> None:
    """A connection with a password, saved (encrypted) through the API of a syncline on this store."""
    with in_process_app(data_dir, database_url=database_url) as (client, _services):
        created = client.post(
            "/api/connections",
            json={
                "name": "warehouse",
                "type": "postgresql",
                "configuration": {
                    "hostname": "db.example.com",
                    "username": "sync",
                    "password": "pw-kept-secret",
                    "database": "analytics",
                },
            },
        )
        assert created.status_code == 200, created.text


def assert_one_line(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """The command stopped with exit 2 and one line on stderr holding every fragment (beside the server's
    JSON log records of what it did before, such as migrations)."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith('{"time": ')]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


@pytest.fixture
def sqlite_store_with_secret(tmp_path: Path) -> Path:
    store_a_secret(tmp_path)
    assert (tmp_path / "secret.key").exists()
    return tmp_path


@pytest.mark.parametrize("command", STORE_COMMANDS)
def test_a_key_that_does_not_open_the_stored_secrets_stops_the_start(
    sqlite_store_with_secret: Path, command: tuple[str, ...]
) -> None:
    wrong = {"SYNCLINE_SECRET_KEY": Fernet.generate_key().decode()}
    result = run_cli(*command, data_dir=sqlite_store_with_secret, extra_env=wrong, check=False)
    assert_one_line(result, "SYNCLINE_SECRET_KEY", "cannot decrypt")
    assert result.stdout == ""  # no key printed, no "listening"


def test_a_replaced_key_file_stops_the_start(sqlite_store_with_secret: Path) -> None:
    (sqlite_store_with_secret / "secret.key").write_bytes(Fernet.generate_key())
    result = run_cli("serve", "--port", "0", data_dir=sqlite_store_with_secret, check=False)
    assert_one_line(result, "SYNCLINE_SECRET_KEY", str(sqlite_store_with_secret / "secret.key"))


def test_a_malformed_key_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("not-a-fernet-key")
    result = run_cli("keys", "create", data_dir=tmp_path, check=False)
    assert_one_line(result, "SYNCLINE_SECRET_KEY", str(tmp_path / "secret.key"), "not a valid Fernet key")


@pytest.mark.parametrize("command", STORE_COMMANDS)
def test_no_key_is_generated_beside_stored_secrets(
    sqlite_store_with_secret: Path, command: tuple[str, ...]
) -> None:
    key_file = sqlite_store_with_secret / "secret.key"
    key_file.unlink()
    result = run_cli(*command, data_dir=sqlite_store_with_secret, check=False)
    assert_one_line(result, "SYNCLINE_SECRET_KEY", "unset", "holds encrypted secrets")
    assert not key_file.exists()


def test_the_key_the_secrets_were_written_with_opens_them(sqlite_store_with_secret: Path) -> None:
    key_file = sqlite_store_with_secret / "secret.key"
    key = key_file.read_text()
    key_file.unlink()  # the key now comes from the environment only
    server = ServerProcess(
        data_dir=sqlite_store_with_secret,
        database_url=f"sqlite:///{sqlite_store_with_secret / 'syncline.db'}",
        api_key=IN_PROCESS_KEY,
        port=free_port(),
        extra_env={"SYNCLINE_SECRET_KEY": key},
    )
    server.start()
    try:
        listed = httpx.get(
            f"{server.base_url}/api/connections", headers={"Authorization": f"Bearer {IN_PROCESS_KEY}"}
        )
        assert listed.status_code == 200
        assert [c["name"] for c in listed.json()["data"]] == ["warehouse"]
    finally:
        server.stop()
    assert not key_file.exists()


@pytest.mark.postgres
@pytest.mark.parametrize("command", [*STORE_COMMANDS, ("config",)])
def test_postgres_store_requires_a_secret_key(tmp_path: Path, command: tuple[str, ...]) -> None:
    env = {"SYNCLINE_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test"}
    result = run_cli(*command, data_dir=tmp_path, extra_env=env, check=False)
    line = assert_one_line(result, "SYNCLINE_SECRET_KEY: required", "PostgreSQL", "generate one with")
    assert line.startswith("SYNCLINE_SECRET_KEY:")
    assert not (tmp_path / "secret.key").exists()


@pytest.mark.postgres
def test_a_wrong_key_on_postgres_stops_the_start(tmp_path: Path, scratch_pg_database: str) -> None:
    url = pg_url(scratch_pg_database)
    store_a_secret(tmp_path / "first", url)
    env = {"SYNCLINE_DATABASE_URL": url, "SYNCLINE_SECRET_KEY": Fernet.generate_key().decode()}
    result = run_cli("serve", "--port", "0", data_dir=tmp_path / "second", extra_env=env, check=False)
    assert_one_line(result, "SYNCLINE_SECRET_KEY", "cannot decrypt")


@pytest.mark.postgres
def test_two_servers_starting_at_once_on_a_fresh_postgres_store_both_come_up(
    tmp_path: Path, scratch_pg_database: str
) -> None:
    url = pg_url(scratch_pg_database)
    servers = [
        ServerProcess(data_dir=tmp_path / name, database_url=url, api_key=None, port=free_port())
        for name in ("a", "b")
    ]
    for server in servers:
        server.launch()  # both before either is waited for: they migrate and bootstrap at the same time
    try:
        for server in servers:
            server.wait_healthy()
        printed = [re.findall(r"\bsl_[A-Za-z0-9_-]{20,}", server.log_text()) for server in servers]
        keys = [key for found in printed for key in found]
        assert len(keys) == 1  # one bootstrap organization, one generated key, printed by one of them
        for server in servers:
            me = httpx.get(f"{server.base_url}/api/me", headers={"Authorization": f"Bearer {keys[0]}"})
            assert me.status_code == 200
    finally:
        for server in servers:
            server.stop()
    with psycopg.connect(scratch_pg_database) as conn:
        assert conn.execute("SELECT count(*) FROM organizations").fetchone() == (1,)


def test_processes_starting_at_once_on_a_fresh_sqlite_store_all_work(tmp_path: Path) -> None:
    """Four `keys create` at once in one data dir: each migrates and bootstraps the fresh store (taking turns
    under file locks), and each mints a key. (PostgreSQL: the two servers above.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCLINE_")}
    env["SYNCLINE_DATA_DIR"] = str(tmp_path)
    command = [sys.executable, "-m", "syncline.cli", "keys", "create"]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=60) for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, outputs
    keys = {out.strip() for out, _ in outputs}
    assert len(keys) == 4
    database_url = f"sqlite:///{tmp_path / 'syncline.db'}"
    server = ServerProcess(data_dir=tmp_path, database_url=database_url, api_key=None, port=free_port())
    server.start()
    try:
        mes = [
            httpx.get(f"{server.base_url}/api/me", headers={"Authorization": f"Bearer {key}"}) for key in keys
        ]
    finally:
        server.stop()
    assert [me.status_code for me in mes] == [200] * 4
    assert all(me.json()["data"]["is_partner"] for me in mes)
    # one bootstrap organization, not one per process
    assert len({me.json()["data"]["organization_id"] for me in mes}) == 1


@pytest.mark.parametrize("command", STORE_COMMANDS)
def test_an_unreachable_metadata_database_is_one_line(
    tmp_path: Path, closed_port: int, command: tuple[str, ...]
) -> None:
    env = {
        "SYNCLINE_DATABASE_URL": f"postgresql+psycopg://sync:db-pw-123@127.0.0.1:{closed_port}/syncline",
        "SYNCLINE_SECRET_KEY": PG_SECRET_KEY,
    }
    result = run_cli(*command, data_dir=tmp_path, extra_env=env, check=False)
    line = assert_one_line(result, "SYNCLINE_DATABASE_URL", f"127.0.0.1:{closed_port}/syncline", "refused")
    assert "db-pw-123" not in line


@pytest.mark.postgres
def test_a_missing_metadata_database_is_one_line(tmp_path: Path) -> None:
    env = {
        "SYNCLINE_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/syncline_no_such_db",
        "SYNCLINE_SECRET_KEY": PG_SECRET_KEY,
    }
    result = run_cli("serve", "--port", "0", data_dir=tmp_path, extra_env=env, check=False)
    assert_one_line(result, "SYNCLINE_DATABASE_URL", "127.0.0.1:5432", 'database "syncline_no_such_db"')


def test_a_sqlite_file_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "syncline.db"
    env = {"SYNCLINE_DATABASE_URL": f"sqlite:///{missing}"}
    result = run_cli("serve", "--port", "0", data_dir=tmp_path / "data", extra_env=env, check=False)
    assert_one_line(result, "SYNCLINE_DATABASE_URL", str(missing), "unable to open database file")


def test_a_data_dir_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    result = run_cli("serve", "--port", "0", data_dir=tmp_path / "file" / "state", check=False)
    assert_one_line(result, "SYNCLINE_DATA_DIR", str(tmp_path / "file" / "state"))
