"""Upstream check of a PostgreSQL connection: connect and run `SELECT 1`."""

from __future__ import annotations

import contextlib
import os
import pathlib
import re
import tempfile
from collections.abc import Iterator
from typing import Any

import psycopg

from syncline.connectors.base import ConnectorContext
from syncline.connectors.errors import ConnectionCheckFailed
from syncline.connectors.postgres.config import PostgresConfig
from syncline.connectors.upstreams import ALLOW_ALL, UpstreamPolicy

CONNECT_TIMEOUT_SECONDS = 10

SSH_NOT_SUPPORTED = (
    "SSH tunnels are not supported in this version of syncline yet; set ssh to false and connect to "
    "PostgreSQL directly, or run the tunnel yourself (e.g. ssh -L) and point hostname and port at it."
)

NO_SERVER = (
    "no PostgreSQL server answered there (the connection was refused, closed or timed out, or the server "
    "does not speak PostgreSQL); check hostname and port, and that the server accepts TCP/IP connections "
    "from this host"
)
# Failures a PostgreSQL server (or the name service, or TLS) explains; the rest are "no server there".
_SERVER_ANSWERED = re.compile(
    r"(FATAL|ERROR|PANIC):  "
    r"|(?i:resolve host|translate host name|does not support SSL|certificate|sslcert|sslkey)"
)

# Pattern in the upstream message -> what the user should do about it; the first match wins.
_HINTS = tuple(
    (re.compile(pattern, re.IGNORECASE), hint)
    for pattern, hint in (
        (r'database ".*" does not exist', "check the database setting"),
        (r'role ".*" does not exist', "check the username setting"),
        (r"password authentication failed", "check the username and password settings"),
        (
            r"no pg_hba\.conf entry",
            "ask the database administrator to allow this host and user in pg_hba.conf",
        ),
        (r"refused", "check hostname and port, and that the server accepts TCP/IP connections"),
        (r"timeout expired", "check hostname and port, and that no firewall blocks the connection"),
        (r"could not translate host name", "check the hostname setting"),
        (r"does not support SSL", "the server has no SSL; set ssl to false"),
        (r"certificate|sslkey|sslcert", "check the client_certificate, client_key and ca_cert settings"),
    )
)


@contextlib.contextmanager
def open_connection(
    config: PostgresConfig, upstreams: UpstreamPolicy, *, statement_timeout: float | None = None
) -> Iterator[psycopg.Connection[Any]]:
    """`connect`, closed when the block ends."""
    with connect(config, upstreams, statement_timeout=statement_timeout) as conn:
        yield conn


def connect(
    config: PostgresConfig, upstreams: UpstreamPolicy, *, statement_timeout: float | None = None
) -> psycopg.Connection[Any]:
    """A connection to the configured server, at an address `upstreams` allows. Client certificates are
    written to private files for the handshake only (libpq reads them while connecting).

    `statement_timeout` (seconds) bounds every statement of the session on the server's side.

    Raises:
        ConnectionCheckFailed: SSH tunnels asked for, or the server could not be reached.
        UpstreamNotAllowed: The host is (or resolves to) an address the deployment keeps connections from.
    """
    if config.ssh:
        raise ConnectionCheckFailed(SSH_NOT_SUPPORTED)
    params = connect_params(config, statement_timeout, upstreams=upstreams)
    with _certificate_files(config) as cert_params:
        try:
            return psycopg.connect(**params, **cert_params)
        except psycopg.Error as exc:
            raise ConnectionCheckFailed(_connect_failure(config, exc)) from exc


def check_postgres(config: PostgresConfig, ctx: ConnectorContext) -> None:
    """Connect to the server and run `SELECT 1`.

    Raises:
        ConnectionCheckFailed: The server could not be reached, refused the login or the query, or
            the configuration asks for an SSH tunnel, which this version cannot open.
        UpstreamNotAllowed: The host is (or resolves to) an address the deployment keeps connections from.
    """
    with open_connection(config, ctx.upstreams) as conn:
        try:
            conn.execute("SELECT 1")
        except psycopg.Error as exc:
            where = f"PostgreSQL at {config.hostname}:{config.port}"
            raise ConnectionCheckFailed(_explain(f"connected to {where} but SELECT 1 failed", exc)) from exc


def connect_params(
    config: PostgresConfig, statement_timeout: float | None = None, *, upstreams: UpstreamPolicy = ALLOW_ALL
) -> dict[str, Any]:
    """psycopg connection keywords for `config`, without client-certificate files.

    When `upstreams` restricts addresses, the host is resolved here and libpq is pinned to the checked
    addresses (`hostaddr`); the host name still serves TLS verification.

    Raises:
        ConnectionCheckFailed: The host name does not resolve (only when `upstreams` restricts).
        UpstreamNotAllowed: The host is a unix socket or resolves to an address `upstreams` refuses.
    """
    params: dict[str, Any] = {
        "host": config.hostname,
        "port": config.port,
        "user": config.username,
        "password": config.password,
        "dbname": config.database,
        "sslmode": "require" if config.ssl else "disable",
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "application_name": "syncline",
    }
    if statement_timeout:
        params["options"] = f"-c statement_timeout={int(statement_timeout * 1000)}"
    if upstreams.restricts:
        params["hostaddr"] = _checked_addresses(config, upstreams)
    return params


def _checked_addresses(config: PostgresConfig, upstreams: UpstreamPolicy) -> str:
    """libpq's `hostaddr` for the configured host(s): one checked address per host, comma-separated
    (empty for an allowed unix socket, which libpq then opens by its path)."""
    addresses = []
    for host in config.hostname.split(","):  # libpq tries each host of a list in turn
        if not host or host.startswith(("/", "@")):  # a unix socket (or libpq's default one): local
            upstreams.check_local(host or "(the default socket)", field="hostname")
            addresses.append("")
            continue
        try:
            addresses.append(upstreams.resolve(host, config.port, field="hostname")[0])
        except OSError as exc:
            raise ConnectionCheckFailed(
                f"could not connect to PostgreSQL at {host}:{config.port}: the host name does not resolve "
                f"({exc.strerror or exc}); check the hostname setting"
            ) from None
    return ",".join(addresses)


@contextlib.contextmanager
def _certificate_files(config: PostgresConfig) -> Iterator[dict[str, Any]]:
    """Write the PEM settings to private files for libpq, which only reads them from disk."""
    if not config.client_certs:
        yield {}
        return
    pems = {
        "sslcert": config.client_certificate,
        "sslkey": config.client_key,
        "sslrootcert": config.ca_cert,
    }
    # mkdtemp makes a 0700 folder; libpq also refuses a key file readable by others, hence 0600.
    with tempfile.TemporaryDirectory(prefix="syncline-pg-") as folder:
        params: dict[str, Any] = {}
        for param, pem in pems.items():
            if pem:
                path = pathlib.Path(folder, param + ".pem")
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as file:
                    file.write(pem)
                params[param] = str(path)
        yield params


def _connect_failure(config: PostgresConfig, exc: psycopg.Error) -> str:
    """Why a connection failed. The server's own refusals (and name or TLS problems) keep their words;
    everything else reads the same, so that a connection cannot tell a closed port from an open one that
    does not speak PostgreSQL (no port scanning through connection tests)."""
    where = f"PostgreSQL at {config.hostname}:{config.port}"
    if _SERVER_ANSWERED.search(str(exc)):  # a server's report reads "FATAL:  …" (two spaces)
        return _explain(f"could not connect to {where}", exc)
    return f"could not connect to {where}: {NO_SERVER}"


def _explain(what: str, exc: psycopg.Error) -> str:
    upstream = "; ".join(line.strip() for line in str(exc).strip().splitlines() if line.strip())
    hint = next((hint for pattern, hint in _HINTS if pattern.search(upstream)), None)
    return f"{what}: {upstream}" + (f" ({hint})" if hint else "")
