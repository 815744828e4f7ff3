"""Benchmark: a bulk sync of N Accounts from Salesforce (sfemu) into PostgreSQL and DuckDB, end to end.

Setup: N Accounts (8 columns) in an `sfemu serve` process on loopback (seeded as `bench/sfemu_bulk.py`
seeds them; the data dir is shared and reused), a fresh PostgreSQL database on 127.0.0.1:5432.

- baseline (same run): plain httpx creates the Bulk 2.0 query job, waits, downloads every result page, and
  then COPYs the pages into a PostgreSQL table one after the other — extract, then load;
- syncline: in a fresh process, the Salesforce BulkSource read of the same 8 columns through the bulk
  pipeline (extract and load overlapped) into the PostgreSQL destination (replicate: staged, merged on Id,
  committed with the cursor), and the same into a DuckDB file. Wall time and peak RSS of that process.

    .venv/bin/python bench/bulk_sync_e2e.py [--accounts 1000000]

Ratios are printed, nothing is asserted. Target: syncline ÷ baseline ≤ 1.0 into PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from sfemu_bulk import COLUMNS, seed_accounts, start_emulator  # noqa: E402

from sfemu.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
FIELDS = [c.strip() for c in COLUMNS.split(",")]


def token(base: str) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
    }
    return str(httpx.post(f"{base}/services/oauth2/token", data=form).json()["access_token"])


def baseline(base: str, database_url: str) -> tuple[int, float]:
    """Download every page with plain httpx, then COPY them into PostgreSQL one after the other."""
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {token(base)}"}
    with httpx.Client(base_url=base, headers=headers, timeout=600) as http:
        job = http.post(
            "/services/data/v62.0/jobs/query",
            json={"operation": "queryAll", "query": f"SELECT {COLUMNS} FROM Account"},
        ).json()
        while http.get(f"/services/data/v62.0/jobs/query/{job['id']}").json()["state"] != "JobComplete":
            time.sleep(0.05)
        pages, locator = [], None
        while True:
            params = {"locator": locator} if locator else {}
            page = http.get(f"/services/data/v62.0/jobs/query/{job['id']}/results", params=params)
            pages.append(page.content)
            locator = page.headers.get("sforce-locator")
            if not locator or locator == "null":
                break
    rows = 0
    with psycopg.connect(database_url) as conn:
        columns = ", ".join(f'"{f}" text' for f in FIELDS)
        conn.execute(f"CREATE TABLE baseline ({columns})")
        for body in pages:
            with conn.cursor().copy("COPY baseline FROM STDIN (FORMAT csv, HEADER true)") as copy:
                copy.write(body)
        rows = int(conn.execute("SELECT count(*) FROM baseline").fetchone()[0])  # type: ignore[index]
    return rows, time.perf_counter() - started


def syncline_run(base: str, destination: str, database: str, workdir: str) -> None:
    """In this (fresh) process: one full bulk run of Account; prints rows, seconds and peak RSS as JSON."""
    from syncline.connectors import ConnectorContext, get_connection_type
    from syncline.connectors.discovery import Schema
    from syncline.connectors.protocols import BulkMode
    from syncline.engine.bulk_sync.pipeline import SchemaCopy, copy_schema

    salesforce = get_connection_type("salesforce")
    config = salesforce.validate_config(
        {
            "domain": base,
            "connect_mode": "clientcredentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        }
    )
    ctx = ConnectorContext(data_dir=Path(workdir), files_dir=Path(workdir))
    assert salesforce.bulk_source is not None
    source = salesforce.bulk_source(config, ctx)
    # Discovery is cached between runs (the schema cache), so it is not part of a run's time.
    account = next(s for s in source.discover(include_fields=True) if s.id == "Account")
    schema = Schema("Account", "Account", tuple(f for f in account.fields or () if f.id in FIELDS))
    started = time.perf_counter()
    target = get_connection_type(destination)
    assert target.bulk_destination is not None
    if destination == "postgresql":
        target_config = {
            "hostname": "127.0.0.1",
            "username": "postgres",
            "password": "x",
            "database": database,
        }
        target_config["ssl"] = False
    else:
        target_config = {"path": "bench.duckdb"}
    sink = target.bulk_destination(target.validate_config(target_config), ctx, {"schema": "salesforce"})
    read = source.read(schema, None)
    outcome = copy_schema(
        SchemaCopy("Account", read.arrow_schema, ("Id",), BulkMode.REPLICATE),
        read,
        sink,
        next_cursor=lambda: read.cursor,
    )
    sink.close()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": outcome.records, "seconds": seconds, "peak_mib": peak}))


def child(base: str, destination: str, database: str, workdir: str) -> dict[str, float]:
    command = [
        sys.executable,
        __file__,
        "--child",
        destination,
        "--base",
        base,
        "--database",
        database,
        "--workdir",
        workdir,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--port", type=int, default=18445)
    parser.add_argument("--child", choices=["postgresql", "duckdb"], help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        syncline_run(args.base, args.child, args.database, args.workdir)
        return

    data_dir = args.data_dir or ROOT / "bench" / ".data" / f"sfemu-{args.accounts}"
    seeded = seed_accounts(data_dir, args.accounts)
    if seeded > 1:
        print(f"seeded {args.accounts:,} accounts in {seeded:.0f} s")
    base = f"http://127.0.0.1:{args.port}"
    names = [f"bench_bulk_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    process = start_emulator(data_dir, args.port)
    try:
        rows, seconds = baseline(base, PG_ADMIN.rsplit("/", 1)[0] + "/" + names[0])
        with tempfile.TemporaryDirectory() as workdir:
            pg = child(base, "postgresql", names[1], workdir)
            duck = child(base, "duckdb", names[1], workdir)
    finally:
        process.terminate()
        process.wait(timeout=30)
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(
        f"{'baseline: download every page, then COPY':42} {rows:>10,} rows  {seconds:7.2f} s  "
        f"{rows / seconds:>9,.0f} rows/s"
    )
    for label, result in (("syncline -> PostgreSQL", pg), ("syncline -> DuckDB", duck)):
        print(
            f"{label:42} {int(result['rows']):>10,} rows  {result['seconds']:7.2f} s  "
            f"{result['rows'] / result['seconds']:>9,.0f} rows/s  peak RSS {result['peak_mib']:5.0f} MiB"
        )
    print(f"syncline -> PostgreSQL / baseline wall time: {pg['seconds'] / seconds:.2f} (target <= 1.0)")


if __name__ == "__main__":
    main()
