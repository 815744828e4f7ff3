"""Settings of a PostgreSQL connection, with Polytomic's names, types and defaults."""

from __future__ import annotations

from typing import ClassVar

from syncline.connectors.config import ConnectionConfig, When, secret, setting

_MAX_PORT = 65535


class PostgresConfig(ConnectionConfig):
    """Configuration of a `postgresql` connection."""

    hostname: str = setting(title="Host", examples=["database.example.com"], min_length=1)
    username: str = setting(title="Username", min_length=1)
    # Required as in Polytomic, but may be empty: servers with trust or peer auth take no password.
    password: str = setting(title="Password", sensitive=True, password=True)
    database: str = setting(title="Database", min_length=1)
    port: int = setting(5432, title="Port", minimum=1, maximum=_MAX_PORT)
    ssl: bool = setting(True, title="Use SSL")
    ssh: bool = setting(False, title="Connect over SSH tunnel")
    ssh_user: str = setting("root", title="SSH user")
    ssh_host: str | None = setting(None, title="SSH host", description="Required when ssh is true.")
    ssh_port: int = setting(22, title="SSH port", minimum=1, maximum=_MAX_PORT)
    ssh_private_key: str | None = secret(
        title="Private key", description="Required when ssh is true.", widget="textarea"
    )
    client_certs: bool = setting(False, title="Use client certificates")
    client_certificate: str | None = secret(
        title="Client certificate",
        description="PEM-encoded client certificate. Required when client_certs is true.",
        widget="file",
    )
    client_key: str | None = secret(
        title="Client key",
        description="PEM-encoded private key of the client certificate. Required when client_certs is true.",
        widget="file",
    )
    ca_cert: str | None = secret(
        title="CA certificate",
        description="PEM-encoded certificate of the CA that signed the server's certificate.",
        widget="file",
    )
    change_detection: bool = setting(
        False,
        title="Use logical replication for bulk syncs",
        description="Read changes through logical replication (CDC) instead of re-reading tables.",
    )
    publication: str | None = setting(
        None,
        title="Publication",
        description="Publication to read changes from when change_detection is true.",
        examples=["syncline"],
    )

    rules: ClassVar[tuple[When, ...]] = (
        When("ssh", (True,), require=("ssh_host", "ssh_private_key")),
        When("client_certs", (True,), require=("client_certificate", "client_key")),
    )
