"""`syncline bulk …`: list bulk syncs and run one with live progress, through a server's API.

It talks to a running syncline over HTTP (`--url`, default http://127.0.0.1:8000; `--key` or
`SYNCLINE_KEY`), so it works the same against a laptop and a deployment, and every rule the API enforces
holds here too.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

bulk_app = typer.Typer(help="Bulk syncs (ELT): list them, run one and follow it.", no_args_is_help=True)
TERMINAL = {"completed", "failed", "canceled", "interrupted"}

UrlOption = typer.Option("http://127.0.0.1:8000", "--url", envvar="SYNCLINE_URL", help="the syncline API")
KeyOption = typer.Option(..., "--key", envvar="SYNCLINE_KEY", help="an API key of the organization")


def _client(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def _data(response: httpx.Response) -> Any:
    """The answer's `data`, or one line with the API's own message and exit 1."""
    if response.is_error:
        try:
            message = response.json().get("message") or response.text
        except ValueError:
            message = response.text
        typer.echo(f"error: HTTP {response.status_code}: {message}", err=True)
        raise typer.Exit(1)
    return response.json().get("data")


@bulk_app.command("list")
def list_syncs(url: str = UrlOption, key: str = KeyOption) -> None:
    """The organization's bulk syncs."""
    try:
        with _client(url, key) as http:
            syncs = _data(http.get("/api/bulk/syncs"))
    except httpx.HTTPError as exc:
        typer.echo(f"error: cannot reach {url}: {exc}", err=True)
        raise typer.Exit(1) from None
    table = Table("id", "name", "mode", "active", "schedule")
    for sync in syncs:
        table.add_row(
            sync["id"], sync["name"], sync["mode"], str(sync["active"]), sync["default_schedule"]["frequency"]
        )
    Console().print(table)


@bulk_app.command("run")
def run(
    sync_id: str = typer.Argument(..., help="the bulk sync's id"),
    follow: bool = typer.Option(False, "--follow", help="show each schema's progress until the run ends"),
    full: bool = typer.Option(False, "--full", help="read every row again (fetch_mode full)"),
    test: bool = typer.Option(False, "--test", help="a test run: at most 5 records per schema"),
    url: str = UrlOption,
    key: str = KeyOption,
) -> None:
    """Start an execution; with --follow, watch it and print a summary (exit 1 if it did not complete)."""
    body: dict[str, Any] = {"fetch_mode": "full" if full else "incremental"}
    if test:
        body["test"] = True
    try:
        with _client(url, key) as http:
            execution = _data(http.post(f"/api/bulk/syncs/{sync_id}/executions", json=body))
            typer.echo(f"started execution {execution['id']}")
            if not follow:
                return
            execution = _follow(http, sync_id, execution["id"])
    except httpx.HTTPError as exc:
        typer.echo(f"error: cannot reach {url}: {exc}", err=True)
        raise typer.Exit(1) from None
    Console().print(_table(execution, time.monotonic(), final=True))
    typer.echo(f"{execution['status']}: {execution['record_count']} records")
    if execution["status"] != "completed":
        raise typer.Exit(1)


def _follow(http: httpx.Client, sync_id: str, execution_id: str) -> dict[str, Any]:
    started = time.monotonic()
    console = Console(stderr=True)
    with Live(console=console, refresh_per_second=4, transient=True) as live:
        while True:
            execution: dict[str, Any] = _data(
                http.get(f"/api/bulk/syncs/{sync_id}/executions/{execution_id}")
            )
            live.update(_table(execution, started, final=False))
            if execution["status"] in TERMINAL:
                return execution
            time.sleep(0.5)


def _table(execution: dict[str, Any], started: float, *, final: bool) -> Table:
    """Per schema: status, records, rate (records/s since the run started) and the message."""
    elapsed = max(time.monotonic() - started, 1e-6)
    table = Table(
        "schema", "status", "records", "rate", "message", title=None if final else execution["status"]
    )
    for schema in execution["schemas"]:
        records = int(schema.get("record_count") or 0)
        rate = "" if final else f"{records / elapsed:,.0f}/s"
        table.add_row(
            schema["schema"], schema["status"], f"{records:,}", rate, schema.get("status_message") or ""
        )
    return table
