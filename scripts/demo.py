"""The demo on the embedded default: sfemu (a seeded Salesforce org) + syncline (SQLite) + a DuckDB warehouse.

    make demo                                     # runs this; Ctrl-C (or SIGTERM) stops both servers
    make demo DEMO_ARGS="--port 8001 --sfemu-port 8444"   # other ports
    python scripts/demo.py --once                 # set up, check, stop (what the test does)

It starts `sfemu serve --seed demo` and `syncline serve` as two processes (syncline never imports sfemu),
then creates — once — a Salesforce connection to the emulator and a DuckDB connection, and prints how to use
them. State lives in `.syncline/` (the emulator's org in `.syncline/sfemu/`), so a second run reuses it.
"""

from __future__ import annotations

import argparse
import errno
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PORT_IN_USE_EXIT = 2


class Stop(Exception):
    """SIGINT or SIGTERM: stop both servers and end quietly."""


class SignalGate:
    """Turns SIGINT and SIGTERM into `Stop`, except while a server is being started: then the signal waits
    until the new process is recorded, so that it is stopped too."""

    def __init__(self) -> None:
        self.holding = False
        self.pending: str | None = None

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.holding:
            self.pending = name
            return
        raise Stop(name)

    @contextmanager
    def held(self) -> Iterator[None]:
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self.pending:
            raise Stop(self.pending)


gate = SignalGate()


def check_ports_free(ports: dict[str, tuple[int, str]]) -> None:
    """Exit with one line when a port the demo needs is taken (say, by a demo already running): otherwise
    its servers would fail to bind while the demo talked to whoever holds the port."""
    numbers = [port for port, _ in ports.values()]
    if len(set(numbers)) != len(numbers):
        raise SystemExit(f"the demo needs two different ports, got {numbers[0]} for both")
    for name, (port, option) in ports.items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
            try:
                probe.bind((HOST, port))
            except OSError as exc:
                reason = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc})"
                print(
                    f"port {port} ({name}) {reason} on {HOST} - is a demo already running? Stop it, or pick "
                    f"another port: make demo DEMO_ARGS='{option} {port + 1}'",
                    file=sys.stderr,
                )
                raise SystemExit(PORT_IN_USE_EXIT) from None


def wait_until_up(url: str, process: subprocess.Popen[bytes], name: str) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"{name} exited early (code {process.returncode}); see its output above")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{name} did not start within 30 s")


def demo_key(data_dir: Path) -> str:
    """The demo's API key, made once and kept in the data dir (0600) so the demo can call its own API."""
    path = data_dir / "demo-api-key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = "sl_demo_" + secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(key)
    return key


def ensure_connections(api: httpx.Client, sfemu_url: str) -> dict[str, str]:
    existing = {c["name"]: c for c in api.get("/api/connections").raise_for_status().json()["data"]}
    wanted: dict[str, dict[str, Any]] = {
        "Salesforce (sfemu)": {
            "type": "salesforce",
            "validate": True,
            "configuration": {
                "domain": sfemu_url,
                "connect_mode": "clientcredentials",
                "client_id": "sfemu",
                "client_secret": "sfemu-secret",
            },
        },
        "Warehouse (DuckDB)": {
            "type": "duckdb",
            "validate": True,
            "configuration": {"path": "warehouse.duckdb"},
        },
    }
    ids = {}
    for name, body in wanted.items():
        if name in existing:
            ids[name] = existing[name]["id"]
            if existing[name]["configuration"].get("domain", sfemu_url) != sfemu_url:  # the emulator moved
                # Secrets are sent only where they were entered: pointing elsewhere sends them again.
                moved = {**existing[name]["configuration"], **body["configuration"], "domain": sfemu_url}
                api.put(
                    f"/api/connections/{ids[name]}",
                    json={"name": name, "configuration": moved, "validate": True},
                ).raise_for_status()
            continue
        created = api.post("/api/connections", json={"name": name, **body})
        if created.status_code != 200:
            raise SystemExit(f"could not create {name}: {created.json().get('message')}")
        ids[name] = created.json()["data"]["id"]
    return ids


def check(api: httpx.Client, salesforce_id: str) -> int:
    """Run one SOQL query through the query runner; returns how many accounts the demo org has."""
    started = api.post(f"/api/connections/{salesforce_id}/query", params={"query": "SELECT Id FROM Account"})
    query_id = started.raise_for_status().json()["data"]["id"]
    for _ in range(200):
        data = api.get(f"/api/queries/{query_id}").json()["data"]
        if data["status"] in {"done", "failed"}:
            if data["status"] == "failed":
                raise SystemExit(f"the demo query failed: {data['error']}")
            return int(data["count"])
        time.sleep(0.05)
    raise SystemExit("the demo query did not finish")


BULK_SYNC = "Salesforce to the warehouse"
BULK_SCHEMAS = ["Account", "Contact", "Opportunity", "Lead"]


def ensure_bulk_sync(api: httpx.Client, ids: dict[str, str]) -> str:
    """The demo's bulk sync (created once): four objects of the org into the warehouse's `salesforce`."""
    for sync in api.get("/api/bulk/syncs").raise_for_status().json()["data"]:
        if sync["name"] == BULK_SYNC:
            return str(sync["id"])
    created = api.post(
        "/api/bulk/syncs",
        json={
            "name": BULK_SYNC,
            "source_connection_id": ids["Salesforce (sfemu)"],
            "destination_connection_id": ids["Warehouse (DuckDB)"],
            "destination_configuration": {"schema": "salesforce"},
            "default_schedule": {"frequency": "manual"},
            "mode": "replicate",
            "schemas": BULK_SCHEMAS,
        },
    )
    if created.status_code != 200:
        raise SystemExit(f"could not create the demo bulk sync: {created.json().get('message')}")
    return str(created.json()["data"]["id"])


def run_bulk_sync(api: httpx.Client, sync_id: str) -> None:
    """Run the bulk sync once and report each object as it lands."""
    execution = api.post(f"/api/bulk/syncs/{sync_id}/executions", json={}).raise_for_status().json()["data"]
    print("bulk sync: Salesforce -> DuckDB (salesforce schema)", flush=True)
    reported: set[str] = set()
    for _ in range(1200):
        execution = api.get(f"/api/bulk/syncs/{sync_id}/executions/{execution['id']}").json()["data"]
        for schema in execution["schemas"]:
            if schema["status"] in {"completed", "failed"} and schema["schema"] not in reported:
                reported.add(schema["schema"])
                detail = schema.get("status_message") or f"{schema['record_count']} records"
                print(f"  {schema['schema']:<12} {schema['status']}: {detail}", flush=True)
        if execution["status"] in {"completed", "failed", "canceled", "interrupted"}:
            if execution["status"] != "completed":
                raise SystemExit(
                    f"the demo bulk sync ended {execution['status']}: {execution['status_message']}"
                )
            return [str(execution["record_count"])]
        time.sleep(0.1)
    raise SystemExit("the demo bulk sync did not finish")


def warehouse_rows(api: httpx.Client, warehouse_id: str) -> list[dict[str, Any]]:
    """A few synced accounts, read back through the query runner on the warehouse connection."""
    query = 'SELECT "Name", "BillingCity", "AnnualRevenue" FROM salesforce."Account" ORDER BY "Name" LIMIT 3'
    started = api.post(f"/api/connections/{warehouse_id}/query", json={"query": query})
    query_id = started.raise_for_status().json()["data"]["id"]
    for _ in range(200):
        data = api.get(f"/api/queries/{query_id}").json()["data"]
        if data["status"] == "done":
            return list(data["results"])
        if data["status"] == "failed":
            raise SystemExit(f"reading the warehouse failed: {data['error']}")
        time.sleep(0.05)
    raise SystemExit("reading the warehouse did not finish")


def sdk_snippet(python: str, key: str, api_url: str, salesforce_id: str) -> str:
    """A shell command that runs a query through the official SDK and prints its rows: paste it as is."""
    return f"""{python} - <<'EOF'
import time
from polytomic import Polytomic

client = Polytomic(token="{key}", base_url="{api_url}")
query = client.query_runner.run_query(connection_id="{salesforce_id}", query="SELECT Name FROM Account")
result = client.query_runner.get_query(id=query.data.id).data
while result.status not in ("done", "failed", "unknown"):  # the query runs in the background
    time.sleep(0.2)
    result = client.query_runner.get_query(id=query.data.id).data

print(result.error or f"{{result.count}} rows:")
for row in result.results or []:
    print(row)
EOF"""


def shown_python() -> str:
    """This interpreter as a user would type it: `.venv/bin/python` from the checkout, else its full path."""
    relative = os.path.relpath(sys.executable)
    return relative if not relative.startswith("..") else sys.executable


def wait_for_stop(servers: dict[str, subprocess.Popen[bytes]]) -> None:
    """Until a signal (raised as `Stop`) or until a server ends on its own."""
    while True:
        for name, process in servers.items():
            if process.poll() is not None:
                raise SystemExit(f"{name} stopped on its own (code {process.returncode}); stopping the demo")
        time.sleep(0.5)


def stop_servers(servers: dict[str, subprocess.Popen[bytes]]) -> None:
    # A second Ctrl-C while they stop must not leave them running.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for process in servers.values():
        if process.poll() is None:
            process.terminate()
    for process in servers.values():
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(args: argparse.Namespace) -> None:
    check_ports_free(
        {"syncline API": (args.port, "--port"), "sfemu": (args.sfemu_port, "--sfemu-port")}
    )  # before anything starts or is written
    data_dir = args.data_dir.resolve()
    key = demo_key(data_dir)
    sfemu_url = f"http://{HOST}:{args.sfemu_port}"
    api_url = f"http://{HOST}:{args.port}"
    env = {**os.environ, "SYNCLINE_DATA_DIR": str(data_dir), "SYNCLINE_API_KEY": key}
    env.pop("SYNCLINE_DATABASE_URL", None)  # the embedded default: SQLite in the data dir
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL} if args.once else {}
    commands = {
        "sfemu": [
            *("sfemu.cli", "serve", "--port", str(args.sfemu_port), "--data-dir", str(data_dir / "sfemu")),
            *("--seed", "demo", "--log-level", "warning"),
        ],
        "syncline": ["syncline.cli", "serve", "--port", str(args.port), "--log-level", "warning"],
    }
    servers: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in commands.items():
            with gate.held():
                # A session of its own: a terminal's Ctrl-C reaches the demo only, which stops both servers
                # and waits for them, whatever signal it got.
                servers[name] = subprocess.Popen(
                    [sys.executable, "-m", *command], env=env, start_new_session=True, **quiet
                )  # type: ignore[call-overload]
        wait_until_up(f"{sfemu_url}/services/data/", servers["sfemu"], "sfemu")
        wait_until_up(f"{api_url}/healthz", servers["syncline"], "syncline")
        with httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as api:
            ids = ensure_connections(api, sfemu_url)
            accounts = check(api, ids["Salesforce (sfemu)"])
            sync_id = ensure_bulk_sync(api, ids)
            run_bulk_sync(api, sync_id)
            for row in warehouse_rows(api, ids["Warehouse (DuckDB)"]):
                print(f"  warehouse: {row}", flush=True)
        snippet = sdk_snippet(shown_python(), key, api_url, ids["Salesforce (sfemu)"])
        print(
            f"""
syncline demo is running
  syncline API   {api_url}   (docs: {api_url}/docs)   API key: {key}
  Salesforce     {sfemu_url}   (sfemu, {accounts} accounts)
                 connected app sfemu / sfemu-secret, user admin@sfemu.local / sfemu
  connections    Salesforce (sfemu) = {ids["Salesforce (sfemu)"]}
                 Warehouse (DuckDB) = {ids["Warehouse (DuckDB)"]}
  bulk sync      {BULK_SYNC} = {sync_id}
                 run it again: .venv/bin/syncline bulk run {sync_id} --follow --url {api_url} --key {key}

Query the org through syncline with the official SDK (installed in .venv): paste into another terminal

{snippet}

{"--once: both servers stop now." if args.once else "Ctrl-C stops both servers."}
""",
            flush=True,
        )
        if not args.once:
            wait_for_stop(servers)
    finally:
        stop_servers(servers)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=Path(".syncline"))
    parser.add_argument("--port", type=int, default=8000, help="syncline's API port (default 8000)")
    parser.add_argument("--sfemu-port", type=int, default=8443, help="the emulator's port (default 8443)")
    parser.add_argument("--once", action="store_true", help="set up, check, stop")
    args = parser.parse_args()
    # Installed before the servers start, so a SIGTERM at any moment still stops them (the default
    # action would end the demo at once and leave both running).
    signal.signal(signal.SIGTERM, gate)
    signal.signal(signal.SIGINT, gate)
    try:
        run(args)
    except Stop as stop:
        print(f"demo stopped ({stop}); both servers are down", file=sys.stderr)


if __name__ == "__main__":
    main()
