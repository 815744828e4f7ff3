from __future__ import annotations

import os
import pathlib
import stat
from typing import Any

import psycopg
import pytest

from syncline.connectors import ConnectionCheckFailed, ConnectorContext, get_connection_type
from syncline.connectors.postgres import check as pg_check

POSTGRESQL = get_connection_type("postgresql")

# The local test server: trust auth, no SSL.
LOCAL = {"hostname": "127.0.0.1", "port": 5432, "username": "postgres", "password": "", "database": "test"}
LOCAL_NO_SSL = {**LOCAL, "ssl": False}


def check(raw: dict[str, Any], ctx: ConnectorContext) -> None:
    POSTGRESQL.check(POSTGRESQL.validate_config(raw), ctx)


@pytest.mark.postgres
def test_check_succeeds_against_the_local_server(ctx: ConnectorContext) -> None:
    check(LOCAL_NO_SSL, ctx)


@pytest.mark.postgres
def test_wrong_database_reports_the_servers_words_and_a_hint(ctx: ConnectorContext) -> None:
    with pytest.raises(ConnectionCheckFailed) as info:
        check({**LOCAL_NO_SSL, "database": "no_such_db"}, ctx)
    message = str(info.value)
    assert message.startswith("could not connect to PostgreSQL at 127.0.0.1:5432: ")
    assert 'database "no_such_db" does not exist' in message
    assert message.endswith("(check the database setting)")


@pytest.mark.postgres
def test_a_closed_port_and_an_open_one_without_postgresql_read_the_same(
    ctx: ConnectorContext, closed_port: int, open_port: int
) -> None:
    """A connection test must not be a port scanner: refused and "something else answered" look alike."""
    messages = {}
    for port in (closed_port, open_port):
        for ssl in (False, True):
            with pytest.raises(ConnectionCheckFailed) as info:
                check({**LOCAL, "ssl": ssl, "port": port}, ctx)
            messages[port, ssl] = str(info.value).replace(str(port), "PORT")
    assert len(set(messages.values())) == 1, messages
    message = messages[closed_port, False]
    assert message.startswith(
        "could not connect to PostgreSQL at 127.0.0.1:PORT: no PostgreSQL server answered"
    )
    assert "check hostname and port" in message
    assert "\n" not in message


@pytest.mark.postgres
def test_ssl_against_a_server_without_ssl_suggests_turning_it_off(ctx: ConnectorContext) -> None:
    with pytest.raises(ConnectionCheckFailed, match=r"does not support SSL.*set ssl to false"):
        check(LOCAL, ctx)


@pytest.mark.postgres
def test_password_is_never_in_the_message(ctx: ConnectorContext) -> None:
    with pytest.raises(ConnectionCheckFailed) as info:
        check({**LOCAL_NO_SSL, "database": "no_such_db", "password": "hunter2-secret"}, ctx)
    assert "hunter2" not in str(info.value)


def test_ssh_tunnels_are_refused_plainly(ctx: ConnectorContext) -> None:
    raw = {**LOCAL_NO_SSL, "ssh": True, "ssh_host": "bastion", "ssh_private_key": "-----BEGIN KEY-----"}
    with pytest.raises(ConnectionCheckFailed, match="SSH tunnels are not supported"):
        check(raw, ctx)


@pytest.mark.parametrize(("ssl", "sslmode"), [(True, "require"), (False, "disable")])
def test_ssl_setting_picks_the_sslmode(ssl: bool, sslmode: str) -> None:
    params = pg_check.connect_params(POSTGRESQL.validate_config({**LOCAL, "ssl": ssl}))
    assert (params["sslmode"], params["connect_timeout"]) == (sslmode, 10)


def test_client_certificates_go_to_private_files_removed_afterwards(
    ctx: ConnectorContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, tuple[pathlib.Path, str, int]] = {}

    def fake_connect(**params: Any) -> None:
        for key in ("sslcert", "sslkey", "sslrootcert"):
            path = pathlib.Path(params[key])
            seen[key] = (path, path.read_text(), stat.S_IMODE(os.stat(path).st_mode))
        raise psycopg.OperationalError("certificate verify failed")

    monkeypatch.setattr(pg_check.psycopg, "connect", fake_connect)
    raw = {**LOCAL, "client_certs": True, "client_certificate": "CERT", "client_key": "KEY", "ca_cert": "CA"}
    with pytest.raises(ConnectionCheckFailed, match="check the client_certificate, client_key and ca_cert"):
        check(raw, ctx)
    assert {key: (text, mode) for key, (_, text, mode) in seen.items()} == {
        "sslcert": ("CERT", 0o600),
        "sslkey": ("KEY", 0o600),
        "sslrootcert": ("CA", 0o600),
    }
    assert not any(path.exists() for path, _, _ in seen.values())
