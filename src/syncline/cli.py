"""The `syncline` command."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.panel import Panel

from syncline import __version__
from syncline.cli_bulk import bulk_app
from syncline.settings import Settings, SettingsError, unknown_variables

if TYPE_CHECKING:
    from syncline.services.container import Services
    from syncline.store.bootstrap import Bootstrap

app = typer.Typer(help="syncline: self-hosted data sync that speaks Polytomic's API.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(bulk_app, name="bulk")
console = Console()


def load_settings() -> Settings:
    """The settings from the environment, or exit 2 naming every bad variable, one line each."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        for line in exc.problems:
            typer.echo(line, err=True)
        raise typer.Exit(2) from None
    from syncline.logs import secrets as log_secrets

    for value in settings.secret_values():
        log_secrets.add(value)
    return settings


def open_or_exit(settings: Settings) -> tuple[Services, Bootstrap]:
    """The services on the store, or exit 2 with one line naming what to fix (the store cannot be reached,
    the secret key does not open it, ...)."""
    from syncline.services.container import StartupError, open_services

    try:
        return open_services(settings)
    except StartupError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


LOG_LEVELS = ("debug", "info", "warning", "error")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8000,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run the API (state in SYNCLINE_DATA_DIR, metadata in SYNCLINE_DATABASE_URL)."""
    import uvicorn

    from syncline.api.app import create_app
    from syncline.listener import ListenError, bind_listener
    from syncline.logs import configure_logging

    settings = load_settings()
    if log_level.lower() not in LOG_LEVELS:
        typer.echo(f"--log-level: must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}", err=True)
        raise typer.Exit(2)
    try:
        sock = bind_listener(host, port)  # before anything starts: a taken port changes nothing
    except ListenError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    configure_logging(log_level.upper())
    os.umask(0o077)  # every file the server writes (SQLite and its WAL, DuckDB files, locks) is its own
    state, boot = open_or_exit(settings)
    if boot.new_key:
        console.print(
            Panel.fit(
                f"[bold]{boot.new_key}[/bold]\n\nThis is the API key of the bootstrap organization. "
                "It is shown only now and stored only as a hash.\n"
                "Set SYNCLINE_API_KEY to choose your own, or run `syncline keys create` to mint another.",
                title="syncline API key",
            )
        )
    bound_port = sock.getsockname()[1]
    where = f"http://{host}:{bound_port}"
    console.print(f"syncline {__version__} listening on {where}  (data: {settings.data_dir})", soft_wrap=True)
    config = uvicorn.Config(
        create_app(state),
        host=host,
        port=bound_port,
        log_config=None,
        access_log=False,
        log_level=log_level.lower(),
    )
    uvicorn.Server(config).run(sockets=[sock])


@app.command()
def version() -> None:
    """Print the syncline version."""
    console.print(__version__)


@app.command("config")
def show_config() -> None:
    """Print the effective settings: each variable, its value (secrets masked) and where it came from."""
    rows = [("variable", "value", "source"), *load_settings().entries()]
    name_width = max(len(name) for name, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    for name, value, origin in rows:
        typer.echo(f"{name:<{name_width}}  {value:<{value_width}}  {origin}")
    for name in unknown_variables():
        typer.echo(f"{name:<{name_width}}  {'':<{value_width}}  ignored: not a syncline setting")


@keys_app.command("create")
def keys_create() -> None:
    """Mint a new partner key for the bootstrap organization and print it once."""
    from syncline.store.keys import issue_key

    state, boot = open_or_exit(load_settings())
    value = boot.new_key  # a first start generates one anyway: hand that one out rather than two
    if value is None:
        with state.store.session() as session:
            value = issue_key(session, boot.organization_id, kind="system")
    console.print(value, highlight=False, soft_wrap=True)
    state.store.dispose()


if __name__ == "__main__":
    app()
