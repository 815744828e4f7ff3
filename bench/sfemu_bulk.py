"""Benchmark: how fast sfemu serves data, so syncline's benchmarks measure syncline and not the emulator.

Measures, against a real `sfemu serve` process on loopback:
- Bulk API 2.0 query results: records/s downloading N Account rows (paged by maxRecords);
- REST query: pages/s following nextRecordsUrl (2000 records a page).
The baseline, measured in the same run on the same data file, is the floor any server pays: reading the
same rows straight from SQLite and writing them as CSV. Ratios are printed, nothing is asserted.

    python bench/sfemu_bulk.py [--accounts 1000000] [--data-dir bench/.data/sfemu-1m]

The seeded data dir is kept and reused, so only the first run pays for seeding.
"""

from __future__ import annotations

import argparse
import csv
import io
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = "Id, Name, Industry, BillingCity, BillingCountry, AnnualRevenue, NumberOfEmployees, SystemModstamp"


def seed_accounts(data_dir: Path, count: int) -> float:
    """Seed `count` accounts (no children) through the emulator's write path; returns seconds spent."""
    sys.path.insert(0, str(ROOT / "src"))
    from sfemu.config import EmulatorConfig
    from sfemu.org import Org
    from sfemu.seed import CITIES, COMPANIES, INDUSTRIES

    org = Org(EmulatorConfig(data_dir=data_dir))
    have = org.db.read('SELECT COUNT(*) FROM "Account"')[0][0]
    started = time.perf_counter()
    account = org.schema.get("Account")
    assert account is not None
    for start in range(have, count, 50_000):
        org.records.create_many(
            account,
            [
                {
                    "Name": f"{COMPANIES[i % len(COMPANIES)]} {i}",
                    "Industry": INDUSTRIES[i % 6],
                    "BillingCity": CITIES[i % 5][0],
                    "BillingCountry": CITIES[i % 5][2],
                    "AnnualRevenue": float(10_000 * (i % 997)),
                    "NumberOfEmployees": i % 5000,
                }
                for i in range(start, min(start + 50_000, count))
            ],
            user_id=org.user_id,
        )
    org.close()
    return time.perf_counter() - started


def baseline_csv(data_dir: Path) -> tuple[int, float]:
    started = time.perf_counter()
    conn = sqlite3.connect(data_dir / "org.db")
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    rows = 0
    for row in conn.execute(f'SELECT {COLUMNS} FROM "Account" WHERE IsDeleted = 0 ORDER BY Id'):
        writer.writerow(row)
        rows += 1
        if out.tell() > 8_000_000:
            out.seek(0)
            out.truncate()
    conn.close()
    return rows, time.perf_counter() - started


def start_emulator(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sfemu.cli",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--log-level",
            "warning",
            "--daily-api-limit",
            "10000000",
            "--bulk-processing-seconds",  # measure serving, not the simulated job run time
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/services/data/", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("sfemu did not start")


def bulk_download(client: httpx.Client) -> tuple[int, float]:
    started = time.perf_counter()
    job = client.post(
        "/services/data/v62.0/jobs/query",
        json={"operation": "query", "query": f"SELECT {COLUMNS} FROM Account"},
    ).json()
    while client.get(f"/services/data/v62.0/jobs/query/{job['id']}").json()["state"] != "JobComplete":
        time.sleep(0.05)
    rows, locator = 0, None
    while True:
        params = {"maxRecords": 100_000, **({"locator": locator} if locator else {})}
        page = client.get(f"/services/data/v62.0/jobs/query/{job['id']}/results", params=params)
        rows += int(page.headers["sforce-numberofrecords"])
        locator = page.headers["sforce-locator"]
        if locator == "null":
            break
    return rows, time.perf_counter() - started


def rest_pages(client: httpx.Client, pages: int) -> tuple[int, float]:
    started = time.perf_counter()
    body = client.get("/services/data/v62.0/queryAll", params={"q": f"SELECT {COLUMNS} FROM Account"}).json()
    fetched = 1
    while fetched < pages and body.get("nextRecordsUrl"):
        body = client.get(body["nextRecordsUrl"]).json()
        fetched += 1
    return fetched, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / ".data" / "sfemu-1m")
    parser.add_argument("--rest-pages", type=int, default=50)
    parser.add_argument("--port", type=int, default=18443)
    args = parser.parse_args()

    seeded = seed_accounts(args.data_dir, args.accounts)
    if seeded > 1:
        print(
            f"seeded {args.accounts:,} accounts in {seeded:.0f} s ({args.accounts / seeded:,.0f} records/s)"
        )
    base_rows, base_seconds = baseline_csv(args.data_dir)
    process = start_emulator(args.data_dir, args.port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=600) as client:
            token = client.post(
                "/services/oauth2/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": "sfemu",
                    "client_secret": "sfemu-secret",
                },
            ).json()
            client.headers["Authorization"] = f"Bearer {token['access_token']}"
            bulk_rows, bulk_seconds = bulk_download(client)
            pages, rest_seconds = rest_pages(client, args.rest_pages)
    finally:
        process.terminate()
        process.wait(timeout=30)
    base_rate, bulk_rate = base_rows / base_seconds, bulk_rows / bulk_seconds
    page_rate = pages / rest_seconds
    print(
        f"baseline  sqlite → csv   {base_rows:>10,} rows  {base_seconds:7.2f} s  {base_rate:>10,.0f} rows/s"
    )
    print(
        f"bulk 2.0  query results  {bulk_rows:>10,} rows  {bulk_seconds:7.2f} s  {bulk_rate:>10,.0f} rows/s"
        f"  ratio {bulk_rate / base_rate:.2f}x baseline  (target ≥ 100,000 rows/s)"
    )
    print(
        f"rest      query pages    {pages:>10,} pages {rest_seconds:7.2f} s  {page_rate:>10,.1f} pages/s"
        f"  ({pages * 2000 / rest_seconds:,.0f} rows/s)"
    )


if __name__ == "__main__":
    main()
