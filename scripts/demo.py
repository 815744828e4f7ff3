"""The demo on the embedded default: sfemu (a seeded Salesforce org) + syncline (SQLite) + a DuckDB warehouse.

    make demo                      # runs this; Ctrl-C stops both servers
    python scripts/demo.py --once  # set up, check, stop (what the test does)

It starts `sfemu serve --seed demo` and `syncline serve` as two processes (syncline never imports sfemu),
then creates — once — a Salesforce connection to the emulator and a DuckDB connection, and prints how to use
them. State lives in `.syncline/` (the emulator's org in `.syncline/sfemu/`), so a second run reuses it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def wait_until_up(url: str, process: subprocess.Popen[bytes], name: str) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"{name} exited early (code {process.returncode}); is its port already taken?")
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
    wanted = {
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=Path(".syncline"))
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--sfemu-port", type=int, default=8443)
    parser.add_argument("--once", action="store_true", help="set up, check, stop")
    args = parser.parse_args()

    data_dir = args.data_dir.resolve()
    key = demo_key(data_dir)
    sfemu_url = f"http://127.0.0.1:{args.sfemu_port}"
    api_url = f"http://127.0.0.1:{args.port}"
    env = {**os.environ, "SYNCLINE_DATA_DIR": str(data_dir), "SYNCLINE_API_KEY": key}
    env.pop("SYNCLINE_DATABASE_URL", None)  # the embedded default: SQLite in the data dir
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL} if args.once else {}
    sfemu = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sfemu.cli",
            "serve",
            "--port",
            str(args.sfemu_port),
            "--data-dir",
            str(data_dir / "sfemu"),
            "--seed",
            "demo",
            "--log-level",
            "warning",
        ],
        **quiet,
    )  # type: ignore[call-overload]
    syncline = subprocess.Popen(
        [sys.executable, "-m", "syncline.cli", "serve", "--port", str(args.port), "--log-level", "warning"],
        env=env,
        **quiet,
    )  # type: ignore[call-overload]
    try:
        wait_until_up(f"{sfemu_url}/services/data/", sfemu, "sfemu")
        wait_until_up(f"{api_url}/healthz", syncline, "syncline")
        with httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as api:
            ids = ensure_connections(api, sfemu_url)
            accounts = check(api, ids["Salesforce (sfemu)"])
        print(
            f"""
syncline demo is running
  syncline API   {api_url}   (docs: {api_url}/docs)   API key: {key}
  Salesforce     {sfemu_url}   (sfemu, {accounts} accounts)
                 connected app sfemu / sfemu-secret, user admin@sfemu.local / sfemu
  connections    Salesforce (sfemu) = {ids["Salesforce (sfemu)"]}
                 Warehouse (DuckDB) = {ids["Warehouse (DuckDB)"]}

  from polytomic import Polytomic
  client = Polytomic(token="{key}", base_url="{api_url}")
  sf = "{ids["Salesforce (sfemu)"]}"
  q = client.query_runner.run_query(connection_id=sf, query="SELECT Name FROM Account")
  client.query_runner.get_query(id=q.data.id)
""",
            flush=True,
        )
        if not args.once:
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        for process in (syncline, sfemu):
            process.terminate()
        for process in (syncline, sfemu):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
