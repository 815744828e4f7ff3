"""Benchmark: reading a Bulk API 2.0 query result into Arrow in flat memory.

Setup: N Accounts (8 columns) in an `sfemu serve` process on loopback, seeded as `bench/sfemu_bulk.py` seeds
them (the data dir is shared with it and reused). Each reader runs in a fresh subprocess that reads the whole
result of `SELECT <8 columns> FROM Account` through a `SalesforceClient` (job create, polls, every page) and
keeps no batch; it reports rows, wall time and its peak RSS (`getrusage` maxrss).

- `new`: `Bulk2Api.query`, pages streamed and parsed a block at a time (`bulk2_results`);
- `old` (the baseline, as the client read pages before): each page downloaded whole (`response.content`),
  then parsed whole by `csvarrow.read_csv`.

    python bench/bulk_read_memory.py [--accounts 1000000] [--max-records N] [--repeat 1]

`--max-records` sets `maxRecords` per page (default: unset, so the server chooses: sfemu serves 100,000
rows a page; `--max-records 1000000` makes the whole result one page). Ratios are printed, nothing asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from sfemu_bulk import COLUMNS, seed_accounts, start_emulator  # noqa: E402

from sfemu.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET  # noqa: E402
from syncline.connectors.salesforce.client import ClientOptions, SalesforceClient  # noqa: E402
from syncline.connectors.salesforce.client.csvarrow import read_csv  # noqa: E402
from syncline.connectors.salesforce.config import SalesforceConfig  # noqa: E402

SOQL = f"SELECT {COLUMNS} FROM Account"


def old_query(sf: SalesforceClient, max_records: int | None) -> Iterator[pa.RecordBatch]:
    """The read path as it was before streaming: a page's whole body, then a whole-page parse."""
    bulk = sf.bulk2
    job = bulk.create_query_job(SOQL)
    bulk.wait_query_job(job["id"])
    path = sf.http.data_path(f"jobs/query/{job['id']}/results")
    locator: str | None = None
    while True:
        params = {"maxRecords": str(max_records)} if max_records else {}
        if locator:
            params["locator"] = locator
        response = sf.http.send("GET", path, params=params, headers={"Accept": "text/csv"})
        yield from read_csv(response.content).to_batches()
        locator = response.headers.get("sforce-locator")
        if not locator or locator == "null":
            break
    bulk.delete_query_job(job["id"])


def read(mode: str, port: int, max_records: int | None) -> None:
    """Child process: read the whole result, keep nothing, print a JSON line."""
    config = SalesforceConfig(
        connect_mode="clientcredentials",
        domain=f"http://127.0.0.1:{port}",
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
    )
    started = time.perf_counter()
    rows = batches = 0
    with SalesforceClient.from_config(config, options=ClientOptions(timeout=600)) as sf:
        if mode == "old":
            reader = old_query(sf, max_records)
        else:
            reader = sf.bulk2.query(SOQL, max_records=max_records)
        for batch in reader:
            rows += batch.num_rows
            batches += 1
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"rows": rows, "batches": batches, "seconds": seconds, "peak_mib": peak_mib}))


def run_child(mode: str, port: int, max_records: int | None) -> dict[str, float]:
    command = [sys.executable, __file__, "--read", mode, "--port", str(port)]
    if max_records:
        command += ["--max-records", str(max_records)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / ".data" / "sfemu-1m")
    parser.add_argument("--max-records", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--port", type=int, default=18444)
    parser.add_argument("--read", choices=["old", "new"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read:
        read(args.read, args.port, args.max_records)
        return

    seeded = seed_accounts(args.data_dir, args.accounts)
    if seeded > 1:
        print(f"seeded {args.accounts:,} accounts in {seeded:.0f} s")
    process = start_emulator(args.data_dir, args.port)
    results: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    try:
        for _ in range(args.repeat):
            for mode in ("old", "new"):
                results[mode].append(run_child(mode, args.port, args.max_records))
    finally:
        process.terminate()
        process.wait(timeout=30)

    def best(mode: str) -> dict[str, float]:
        return min(results[mode], key=lambda result: result["seconds"])

    page = f"maxRecords {args.max_records:,}" if args.max_records else "maxRecords unset"
    print(f"{page}; best of {args.repeat}; each reader a fresh process")
    for mode, label in (("old", "baseline: whole page, then parse"), ("new", "streamed pages")):
        result = best(mode)
        print(
            f"{label:34} {int(result['rows']):>10,} rows  {result['seconds']:7.2f} s  "
            f"{result['rows'] / result['seconds']:>9,.0f} rows/s  peak RSS {result['peak_mib']:6.0f} MiB  "
            f"({int(result['batches'])} batches)"
        )
    old, new = best("old"), best("new")
    print(
        f"new / old: rows/s {(new['rows'] / new['seconds']) / (old['rows'] / old['seconds']):.2f}x, "
        f"peak RSS {new['peak_mib'] / old['peak_mib']:.2f}x  (target: RSS ≤ 250 MiB, rows/s ≥ 1.0x)"
    )


if __name__ == "__main__":
    main()
