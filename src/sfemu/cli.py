"""The `sfemu` command: `sfemu serve` runs a local Salesforce org."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated, TypedDict
from urllib.parse import urlsplit

import typer
import uvicorn
from typer import Option

from sfemu import __version__
from sfemu.auth.users import security_token
from sfemu.config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    SERVE_BULK_PROCESSING_SECONDS,
    EmulatorConfig,
)
from sfemu.org import Org
from sfemu.tls import ensure_certificates


class _Certificates(TypedDict, total=False):
    """uvicorn's TLS arguments: given only when serving HTTPS."""

    ssl_certfile: str
    ssl_keyfile: str


app = typer.Typer(help="sfemu: a local Salesforce org emulator.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """sfemu: a local Salesforce org emulator (OAuth, REST, Bulk 1.0/2.0, SOQL, faults)."""


@app.command()
def serve(
    host: Annotated[str, Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, Option(help="Port to listen on.")] = 8443,
    data_dir: Annotated[Path, Option(help="Data, tokens and certificates.")] = Path(".sfemu"),
    tls: Annotated[bool, Option("--tls", help="Serve HTTPS with a certificate from a local CA.")] = False,
    seed: Annotated[str | None, Option(help="Load data: `demo`, or N accounts with related records.")] = None,
    public_url: Annotated[
        str | None,
        Option(help="URL clients reach the emulator at (instance_url); default: the listening address."),
    ] = None,
    client_id: Annotated[str, Option(help="The default connected app's consumer key.")] = DEFAULT_CLIENT_ID,
    client_secret: Annotated[str, Option(help="Its consumer secret.")] = DEFAULT_CLIENT_SECRET,
    username: Annotated[str, Option(help="The default user.")] = DEFAULT_USERNAME,
    password: Annotated[str, Option(help="The default user's password.")] = DEFAULT_PASSWORD,
    daily_api_limit: Annotated[int, Option(min=1, help="DailyApiRequests maximum.")] = 15000,
    token_ttl: Annotated[int, Option(min=0, help="Access-token lifetime in seconds.")] = 7200,
    rotate_refresh_tokens: Annotated[
        bool,
        Option(
            "--rotate-refresh-tokens", help="A new refresh token on every refresh; the old one stops working."
        ),
    ] = False,
    latency_ms: Annotated[int, Option(min=0, help="Delay added to every API call.")] = 0,
    error_rate: Annotated[float, Option(min=0, max=1, help="Share of API calls answered 503.")] = 0.0,
    reset_rate: Annotated[float, Option(min=0, max=1, help="Share of API calls that drop.")] = 0.0,
    lock_contention: Annotated[
        bool, Option("--lock-contention", help="UNABLE_TO_LOCK_ROW when parallel writes touch one parent.")
    ] = False,
    duplicate_rule_email: Annotated[
        bool, Option("--duplicate-rule-email", help="DUPLICATES_DETECTED on a Lead/Contact Email.")
    ] = False,
    bulk_processing_seconds: Annotated[
        float,
        Option(min=0, help="How long a Bulk job or batch runs before a poll sees it done (0: at once)."),
    ] = SERVE_BULK_PROCESSING_SECONDS,
    no_multicurrency: Annotated[
        bool, Option("--no-multicurrency", help="A single-currency org (no CurrencyIsoCode fields).")
    ] = False,
    schema: Annotated[
        Path | None, Option(exists=True, dir_okay=False, help="JSON file of custom objects and fields.")
    ] = None,
    log_level: Annotated[str, Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run the emulator until interrupted."""
    seed_spec = _seed_spec(seed)
    config = EmulatorConfig(
        data_dir=data_dir,
        host=host,
        port=port,
        tls=tls,
        public_url=public_url,
        client_id=client_id,
        client_secret=client_secret,
        username=username,
        password=password,
        multicurrency=not no_multicurrency,
        schema_path=schema,
        daily_api_limit=daily_api_limit,
        token_ttl_seconds=token_ttl,
        rotate_refresh_tokens=rotate_refresh_tokens,
        duplicate_rule_email=duplicate_rule_email,
        bulk_processing_seconds=bulk_processing_seconds,
        latency_ms=latency_ms,
        error_rate=error_rate,
        reset_rate=reset_rate,
        lock_contention=lock_contention,
    )
    org = Org(config)
    if seed_spec is not None:
        _seed(org, seed_spec)
    from sfemu.app import create_app  # the full app pulls in every API; import it only to serve

    certificates: _Certificates = {}
    ca_path = None
    if tls:
        cert_path, key_path, ca_path = ensure_certificates(data_dir, tls_hosts(config))
        certificates = {"ssl_certfile": str(cert_path), "ssl_keyfile": str(key_path)}
    typer.echo(banner(org, ca_path))
    try:
        # uvicorn's own `date` and `server` headers are lower case: the app sends `Date` instead.
        uvicorn.run(
            create_app(org, date_header=True),
            host=host,
            port=port,
            log_level=log_level.lower(),
            server_header=False,
            date_header=False,
            **certificates,
        )
    finally:
        org.close()


@app.command()
def version() -> None:
    """Print the sfemu version."""
    typer.echo(__version__)


def banner(org: Org, ca_path: Path | None) -> str:
    config = org.config
    lines = [
        f"sfemu {__version__}: a local Salesforce org",
        f"  base URL (instance_url):  {config.base_url}",
        f"  token endpoint:           {config.base_url}/services/oauth2/token",
        f"  connected app:            client_id={config.client_id}  client_secret={config.client_secret}",
        f"  user:                     {config.username}  password={config.password}",
        f"  security token:           {security_token(config)}  (optional: the password alone works too)",
        f"  org id / user id:         {org.org_id} / {org.user_id}",
        f"  data:                     {config.data_dir}",
    ]
    if config.host in ("0.0.0.0", "::") and not config.public_url:
        lines.append(
            "  note: listening on every interface; pass --public-url so instance_url names a reachable host"
        )
    if ca_path is not None:
        lines += [
            f"  TLS CA:                   {ca_path.resolve()}",
            "  trust it in requests-based clients with:",
            f"    export REQUESTS_CA_BUNDLE={ca_path.resolve()}",
        ]
    return "\n".join(lines)


def tls_hosts(config: EmulatorConfig) -> list[str]:
    """Hosts the server certificate must name beyond the defaults: the listening and public hosts."""
    hosts = [] if config.host in ("0.0.0.0", "::", "") else [config.host]
    if config.public_url:
        public_host = urlsplit(config.public_url).hostname
        if public_host:
            hosts.append(public_host)
    return hosts


def _seed_spec(seed: str | None) -> str | None:
    if seed is None or seed == "demo" or (seed.isdigit() and int(seed) > 0):
        return seed
    raise typer.BadParameter(
        f"expected `demo` or a positive number of records, not {seed!r}", param_hint="--seed"
    )


def _seed(org: Org, spec: str) -> None:
    try:
        module = importlib.import_module("sfemu.seed")
    except ModuleNotFoundError as exc:
        if exc.name != "sfemu.seed":
            raise
        typer.echo("warning: sfemu.seed is not available in this build; starting with an empty org", err=True)
        return
    created = module.seed(org, spec)
    if created:
        typer.echo("seeded: " + ", ".join(f"{count} {name}" for name, count in created.items()))
    else:
        typer.echo("seed skipped: the org already has data")


if __name__ == "__main__":
    app()
